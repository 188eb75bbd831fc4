CREATE TABLE `accounts` (
	`username` text PRIMARY KEY NOT NULL,
	`password_hash` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`fhir_user` text,
	`organization` text NOT NULL,
	`patient` text
);
--> statement-breakpoint
CREATE TABLE `oidc_payloads` (
	`model` text NOT NULL,
	`id` text NOT NULL,
	`payload` text NOT NULL,
	`grant_id` text,
	`user_code` text,
	`uid` text,
	`expires_at` integer,
	`consumed_at` integer,
	PRIMARY KEY(`model`, `id`)
);
--> statement-breakpoint
CREATE INDEX `oidc_payloads_grant` ON `oidc_payloads` (`grant_id`);--> statement-breakpoint
CREATE INDEX `oidc_payloads_uid` ON `oidc_payloads` (`model`,`uid`);--> statement-breakpoint
CREATE INDEX `oidc_payloads_expiry` ON `oidc_payloads` (`expires_at`);