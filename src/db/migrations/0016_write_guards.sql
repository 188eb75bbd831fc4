CREATE TABLE `write_guards` (
	`ok` integer NOT NULL,
	CONSTRAINT "write_guards_never" CHECK("write_guards"."ok" = 1)
);
