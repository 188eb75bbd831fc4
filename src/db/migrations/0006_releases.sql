CREATE TABLE `attributions` (
	`year` integer NOT NULL,
	`person` text NOT NULL,
	`organization` text,
	`method` text NOT NULL,
	`reason` text NOT NULL,
	`release_id` text NOT NULL,
	PRIMARY KEY(`release_id`, `year`, `person`)
);
--> statement-breakpoint
CREATE INDEX `attributions_org` ON `attributions` (`release_id`,`organization`,`year`);--> statement-breakpoint
CREATE TABLE `privacy_ledger` (
	`seq` integer PRIMARY KEY NOT NULL,
	`release_id` text NOT NULL,
	`epsilon` real NOT NULL,
	`lifetime_budget` real NOT NULL,
	`recorded` text NOT NULL,
	`mechanism` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `release_files` (
	`release_id` text NOT NULL,
	`name` text NOT NULL,
	`media_type` text NOT NULL,
	`sha256` text NOT NULL,
	`bytes` integer NOT NULL,
	`content` text NOT NULL,
	PRIMARY KEY(`release_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `releases` (
	`id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`issued` text NOT NULL,
	`mode` text NOT NULL,
	`years` text NOT NULL,
	`epsilon` real,
	`manifest_jws` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `releases_version_unique` ON `releases` (`version`);--> statement-breakpoint
-- Published releases and the privacy-budget ledger are append-only: nothing may rewrite history.
CREATE TRIGGER `releases_immutable_update` BEFORE UPDATE ON `releases` BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `releases_immutable_delete` BEFORE DELETE ON `releases` BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `release_files_immutable_update` BEFORE UPDATE ON `release_files` BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `release_files_immutable_delete` BEFORE DELETE ON `release_files` BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `privacy_ledger_append_only_update` BEFORE UPDATE ON `privacy_ledger` BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `privacy_ledger_append_only_delete` BEFORE DELETE ON `privacy_ledger` BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;
