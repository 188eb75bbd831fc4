CREATE TABLE `notification_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`topic` text NOT NULL,
	`focus` text NOT NULL,
	`version_id` integer,
	`patient_id` text NOT NULL,
	`class` text,
	`occurred` text NOT NULL,
	`recorded` text NOT NULL,
	`dispatched` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_events_id_unique` ON `notification_events` (`id`);--> statement-breakpoint
CREATE INDEX `notification_events_pending` ON `notification_events` (`dispatched`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `notification_events_once` ON `notification_events` (`focus`,`topic`) WHERE "notification_events"."topic" IN ('encounter-start', 'encounter-end');--> statement-breakpoint
CREATE TABLE `subscription_events` (
	`subscription_id` text NOT NULL,
	`event_number` integer NOT NULL,
	`event_id` text NOT NULL,
	`person` text NOT NULL,
	`detail` text NOT NULL,
	`numbered_at` text NOT NULL,
	`delivered_at` text,
	PRIMARY KEY(`subscription_id`, `event_number`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_events_once` ON `subscription_events` (`subscription_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `subscription_events_person` ON `subscription_events` (`person`,`numbered_at`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`organization` text NOT NULL,
	`owner` text NOT NULL,
	`dua` text,
	`topic` text NOT NULL,
	`filters` text NOT NULL,
	`endpoint` text NOT NULL,
	`headers` text NOT NULL,
	`payload` text NOT NULL,
	`heartbeat_seconds` integer,
	`timeout_seconds` integer NOT NULL,
	`max_count` integer NOT NULL,
	`status` text NOT NULL,
	`secret` text NOT NULL,
	`events_since_start` integer DEFAULT 0 NOT NULL,
	`start_seq` integer DEFAULT 0 NOT NULL,
	`confirmed` integer DEFAULT 0 NOT NULL,
	`failing_since` text,
	`failures` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text,
	`last_error` text,
	`last_sent_at` text,
	`end` text,
	`version_id` integer NOT NULL,
	`resource` text NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `subscriptions_topic` ON `subscriptions` (`topic`,`status`);