CREATE TABLE `audit_anchors` (
	`seq` integer PRIMARY KEY NOT NULL,
	`issued_at` text NOT NULL,
	`jws` text NOT NULL
);
