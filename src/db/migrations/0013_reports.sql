CREATE TABLE `attribution_disputes` (
	`id` text PRIMARY KEY NOT NULL,
	`group_id` text NOT NULL,
	`version` integer NOT NULL,
	`person` text NOT NULL,
	`organization` text NOT NULL,
	`payer` text NOT NULL,
	`requester` text NOT NULL,
	`reason` text NOT NULL,
	`evidence` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`deadline` text NOT NULL,
	`decided_at` text,
	`decided_by` text,
	`decision_note` text,
	`version_id` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attribution_disputes_roster` ON `attribution_disputes` (`organization`,`payer`,`status`);--> statement-breakpoint
CREATE TABLE `care_gaps` (
	`id` text PRIMARY KEY NOT NULL,
	`report_id` text NOT NULL,
	`person` text NOT NULL,
	`measure` text NOT NULL,
	`status` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `care_gaps_report` ON `care_gaps` (`report_id`);--> statement-breakpoint
CREATE TABLE `gap_remarks` (
	`id` text PRIMARY KEY NOT NULL,
	`gap_id` text NOT NULL,
	`code` text NOT NULL,
	`text` text,
	`author` text NOT NULL,
	`organization` text NOT NULL,
	`at` text NOT NULL,
	`dispute` text
);
--> statement-breakpoint
CREATE INDEX `gap_remarks_gap` ON `gap_remarks` (`gap_id`);--> statement-breakpoint
CREATE TABLE `report_documents` (
	`report_id` text NOT NULL,
	`person` text NOT NULL,
	`id` text NOT NULL,
	`content` text NOT NULL,
	PRIMARY KEY(`report_id`, `person`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `report_documents_id` ON `report_documents` (`id`);--> statement-breakpoint
CREATE TABLE `report_runs` (
	`key` text PRIMARY KEY NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`made` integer,
	`error` text
);
--> statement-breakpoint
CREATE TABLE `reports` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`organization` text NOT NULL,
	`payer` text,
	`contract` text,
	`period_start` text NOT NULL,
	`period_end` text NOT NULL,
	`roster` text,
	`requested_by` text NOT NULL,
	`created_at` text NOT NULL,
	`content` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reports_org` ON `reports` (`organization`,`kind`,`created_at`);--> statement-breakpoint
CREATE TABLE `roster_members` (
	`group_id` text NOT NULL,
	`version` integer NOT NULL,
	`person` text NOT NULL,
	`change_type` text NOT NULL,
	`method` text NOT NULL,
	`reason` text NOT NULL,
	`period_start` text NOT NULL,
	`period_end` text NOT NULL,
	PRIMARY KEY(`group_id`, `version`, `person`)
);
--> statement-breakpoint
CREATE TABLE `roster_versions` (
	`group_id` text NOT NULL,
	`version` integer NOT NULL,
	`organization` text NOT NULL,
	`payer` text NOT NULL,
	`period` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`group_id`, `version`)
);
--> statement-breakpoint
CREATE INDEX `roster_versions_org` ON `roster_versions` (`organization`,`period`);--> statement-breakpoint
CREATE TABLE `vbp_contracts` (
	`id` text PRIMARY KEY NOT NULL,
	`payer` text NOT NULL,
	`organization` text NOT NULL,
	`terms` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER `roster_versions_immutable_update` BEFORE UPDATE ON `roster_versions` BEGIN SELECT RAISE(ABORT, 'roster versions are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `roster_versions_immutable_delete` BEFORE DELETE ON `roster_versions` BEGIN SELECT RAISE(ABORT, 'roster versions are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `roster_members_immutable_update` BEFORE UPDATE ON `roster_members` BEGIN SELECT RAISE(ABORT, 'roster versions are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `roster_members_immutable_delete` BEFORE DELETE ON `roster_members` BEGIN SELECT RAISE(ABORT, 'roster versions are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `reports_immutable_update` BEFORE UPDATE ON `reports` BEGIN SELECT RAISE(ABORT, 'reports are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `reports_immutable_delete` BEFORE DELETE ON `reports` BEGIN SELECT RAISE(ABORT, 'reports are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `report_documents_immutable_update` BEFORE UPDATE ON `report_documents` BEGIN SELECT RAISE(ABORT, 'reports are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `report_documents_immutable_delete` BEFORE DELETE ON `report_documents` BEGIN SELECT RAISE(ABORT, 'reports are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `care_gaps_immutable_update` BEFORE UPDATE ON `care_gaps` BEGIN SELECT RAISE(ABORT, 'reports are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `care_gaps_immutable_delete` BEFORE DELETE ON `care_gaps` BEGIN SELECT RAISE(ABORT, 'reports are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `gap_remarks_append_only_update` BEFORE UPDATE ON `gap_remarks` BEGIN SELECT RAISE(ABORT, 'remarks are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `gap_remarks_append_only_delete` BEFORE DELETE ON `gap_remarks` BEGIN SELECT RAISE(ABORT, 'remarks are append-only'); END;
