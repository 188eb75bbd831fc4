ALTER TABLE `export_jobs` ADD `level` text DEFAULT 'group' NOT NULL;--> statement-breakpoint
ALTER TABLE `export_jobs` ADD `request` text;--> statement-breakpoint
ALTER TABLE `export_jobs` ADD `ignored` text;--> statement-breakpoint
ALTER TABLE `export_jobs` ADD `snapshot` text;