CREATE TABLE `backend_clients` (
	`client_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`organization` text NOT NULL,
	`source_uri` text,
	`scope` text NOT NULL,
	`purposes` text NOT NULL,
	`jwks` text,
	`jwks_uri` text,
	`dua_id` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`organization`) REFERENCES `organizations`(`reference`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`dua_id`) REFERENCES `duas`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `backend_clients_source_uri_unique` ON `backend_clients` (`source_uri`);--> statement-breakpoint
CREATE TABLE `dua_lines` (
	`dua_id` text NOT NULL,
	`version` integer NOT NULL,
	`ord` integer NOT NULL,
	`purpose` text NOT NULL,
	`cls` text NOT NULL,
	`category` text NOT NULL,
	`scope` text NOT NULL,
	PRIMARY KEY(`dua_id`, `version`, `ord`),
	FOREIGN KEY (`dua_id`,`version`) REFERENCES `dua_versions`(`dua_id`,`version`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `dua_versions` (
	`dua_id` text NOT NULL,
	`version` integer NOT NULL,
	`start` text NOT NULL,
	`end` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`dua_id`, `version`),
	FOREIGN KEY (`dua_id`) REFERENCES `duas`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `duas` (
	`id` text PRIMARY KEY NOT NULL,
	`organization` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`organization`) REFERENCES `organizations`(`reference`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `organizations` (
	`reference` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `participants_version` (
	`id` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `participants_version` (`id`, `seq`) VALUES (1, 0);
--> statement-breakpoint
-- Two versions of one DUA never have overlapping effective periods ('' is open-ended; instants compare as text).
-- The code refuses this first with a clear message; these catch any writer that skips it.
CREATE TRIGGER `dua_versions_no_overlap_insert` BEFORE INSERT ON `dua_versions`
WHEN EXISTS (SELECT 1 FROM `dua_versions` v WHERE v.`dua_id` = NEW.`dua_id` AND (v.`start` = '' OR NEW.`end` = '' OR v.`start` <= NEW.`end`) AND (NEW.`start` = '' OR v.`end` = '' OR NEW.`start` <= v.`end`))
BEGIN SELECT RAISE(ABORT, 'overlapping DUA version'); END;
--> statement-breakpoint
CREATE TRIGGER `dua_versions_no_overlap_update` BEFORE UPDATE OF `start`, `end` ON `dua_versions`
WHEN EXISTS (SELECT 1 FROM `dua_versions` v WHERE v.`dua_id` = NEW.`dua_id` AND v.`version` <> NEW.`version` AND (v.`start` = '' OR NEW.`end` = '' OR v.`start` <= NEW.`end`) AND (NEW.`start` = '' OR v.`end` = '' OR NEW.`start` <= v.`end`))
BEGIN SELECT RAISE(ABORT, 'overlapping DUA version'); END;
