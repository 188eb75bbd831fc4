CREATE TABLE `export_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`requester` text NOT NULL,
	`group_id` text NOT NULL,
	`types` text NOT NULL,
	`since` text,
	`transaction_time` text NOT NULL,
	`status` text NOT NULL,
	`members` text,
	`manifest` text
);
