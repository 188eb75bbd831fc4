CREATE TABLE `ingestions` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`channel` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text NOT NULL,
	`written` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `match_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `patient_links` (
	`patient_id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`rule` text NOT NULL,
	`reason` text NOT NULL,
	`linked_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `patient_links_person` ON `patient_links` (`person_id`);--> statement-breakpoint
CREATE TABLE `resource_history` (
	`type` text NOT NULL,
	`id` text NOT NULL,
	`version_id` integer NOT NULL,
	`last_updated` text NOT NULL,
	`source` text NOT NULL,
	`ingestion_id` text NOT NULL,
	`content` text NOT NULL,
	PRIMARY KEY(`type`, `id`, `version_id`)
);
--> statement-breakpoint
CREATE TABLE `resource_tokens` (
	`type` text NOT NULL,
	`id` text NOT NULL,
	`param` text NOT NULL,
	`system` text NOT NULL,
	`code` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `resource_tokens_lookup` ON `resource_tokens` (`param`,`code`,`system`,`type`);--> statement-breakpoint
CREATE INDEX `resource_tokens_owner` ON `resource_tokens` (`type`,`id`);--> statement-breakpoint
CREATE TABLE `resources` (
	`type` text NOT NULL,
	`id` text NOT NULL,
	`version_id` integer NOT NULL,
	`last_updated` text NOT NULL,
	`source` text NOT NULL,
	`ingestion_id` text NOT NULL,
	`patient_id` text,
	`date_start` text,
	`date_end` text,
	`status` text,
	`security` text NOT NULL,
	`content` text NOT NULL,
	PRIMARY KEY(`type`, `id`)
);
--> statement-breakpoint
CREATE INDEX `resources_compartment` ON `resources` (`patient_id`,`type`);--> statement-breakpoint
CREATE INDEX `resources_type_date` ON `resources` (`type`,`date_start`);