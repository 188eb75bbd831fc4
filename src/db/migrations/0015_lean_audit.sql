-- The compact audit record (issue 18): an access is stored as its facts in columns and rendered as a BALP AuditEvent when read. Events written before keep their JSON in `resource` as kind 'v1', hashed as they were, so the chain still verifies across the change.
CREATE TABLE `__new_audit_events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`recorded` text NOT NULL,
	`person` text,
	`kind` text NOT NULL,
	`interaction` text,
	`query` text,
	`outcome` text,
	`purpose` text,
	`agent` text,
	`role` text,
	`organization` text,
	`client` text,
	`token` text,
	`break_glass` integer,
	`reasons` text,
	`detail` text,
	`resource` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_audit_events` (`seq`, `id`, `recorded`, `person`, `kind`, `resource`, `prev_hash`, `hash`) SELECT `seq`, `id`, `recorded`, `person`, 'v1', `content`, `prev_hash`, `hash` FROM `audit_events`;
--> statement-breakpoint
DROP TABLE `audit_events`;
--> statement-breakpoint
ALTER TABLE `__new_audit_events` RENAME TO `audit_events`;
--> statement-breakpoint
CREATE INDEX `audit_events_person` ON `audit_events` (`person`,`seq`);
