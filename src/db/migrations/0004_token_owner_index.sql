DROP INDEX `resource_tokens_owner`;--> statement-breakpoint
CREATE INDEX `resource_tokens_owner` ON `resource_tokens` (`type`,`id`,`param`,`code`,`system`);