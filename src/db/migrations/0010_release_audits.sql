CREATE TABLE `release_audits` (
	`release_id` text PRIMARY KEY NOT NULL,
	`report` text NOT NULL
);
--> statement-breakpoint
-- Kept with its release, and as immutable.
CREATE TRIGGER `release_audits_immutable_update` BEFORE UPDATE ON `release_audits` BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
--> statement-breakpoint
CREATE TRIGGER `release_audits_immutable_delete` BEFORE DELETE ON `release_audits` BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
