CREATE TABLE `break_glass_reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`grant_id` text NOT NULL,
	`kind` text NOT NULL,
	`actor` text NOT NULL,
	`at` text NOT NULL,
	`outcome` text,
	`note` text
);
--> statement-breakpoint
CREATE INDEX `break_glass_reviews_grant` ON `break_glass_reviews` (`grant_id`,`kind`);--> statement-breakpoint
CREATE TRIGGER `break_glass_reviews_append_only_update` BEFORE UPDATE ON `break_glass_reviews` BEGIN SELECT RAISE(ABORT, 'break-the-glass reviews are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `break_glass_reviews_append_only_delete` BEFORE DELETE ON `break_glass_reviews` BEGIN SELECT RAISE(ABORT, 'break-the-glass reviews are append-only'); END;
