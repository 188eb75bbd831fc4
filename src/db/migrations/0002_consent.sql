CREATE TABLE `break_glass` (
	`id` text PRIMARY KEY NOT NULL,
	`patient_id` text NOT NULL,
	`practitioner` text NOT NULL,
	`organization` text NOT NULL,
	`reason` text NOT NULL,
	`started_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `break_glass_patient` ON `break_glass` (`patient_id`,`expires_at`);--> statement-breakpoint
CREATE TABLE `consent_lines` (
	`patient_id` text NOT NULL,
	`consent_id` text NOT NULL,
	`ord` integer NOT NULL,
	`priority` text NOT NULL,
	`actor` text NOT NULL,
	`purpose` text NOT NULL,
	`cls` text NOT NULL,
	`label` text NOT NULL,
	`start` text NOT NULL,
	`end` text NOT NULL,
	`data_start` text NOT NULL,
	`data_end` text NOT NULL,
	`effect` text NOT NULL,
	`ref` text NOT NULL,
	PRIMARY KEY(`patient_id`, `consent_id`, `ord`)
);
--> statement-breakpoint
CREATE TABLE `consent_versions` (
	`patient_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `consent_versions_seq` ON `consent_versions` (`seq`);