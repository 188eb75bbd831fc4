CREATE TABLE `privacy_budget` (
	`seq` integer PRIMARY KEY NOT NULL,
	`epsilon` real NOT NULL,
	`previous` real,
	`spent` real NOT NULL,
	`source` text NOT NULL,
	`operator` text NOT NULL,
	`reason` text NOT NULL,
	`recorded` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `release_lock` (
	`id` integer PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`token` text NOT NULL,
	`holder` text NOT NULL,
	`acquired` text NOT NULL,
	`expires` text NOT NULL
);
--> statement-breakpoint
-- A database that already spent epsilon keeps the budget that was in force (the LIFETIME_EPSILON
-- recorded with its last spend), or what it already spent if that is more: never less than spent.
INSERT INTO `privacy_budget` (`epsilon`, `previous`, `spent`, `source`, `operator`, `reason`, `recorded`)
SELECT MAX(`last`, `total`), NULL, `total`, 'upgrade', 'migration 0009',
  'Carried over when the budget moved from the LIFETIME_EPSILON setting into the database: the budget recorded with the last differentially private release, or the epsilon already spent if more.',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM (SELECT (SELECT `lifetime_budget` FROM `privacy_ledger` ORDER BY `seq` DESC LIMIT 1) AS `last`, (SELECT SUM(`epsilon`) FROM `privacy_ledger`) AS `total`)
WHERE `total` IS NOT NULL;
--> statement-breakpoint
-- The budget's history is append-only, like the ledger: a change is a new row.
CREATE TRIGGER `privacy_budget_append_only_update` BEFORE UPDATE ON `privacy_budget` BEGIN SELECT RAISE(ABORT, 'the privacy budget is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `privacy_budget_append_only_delete` BEFORE DELETE ON `privacy_budget` BEGIN SELECT RAISE(ABORT, 'the privacy budget is append-only'); END;
--> statement-breakpoint
-- The code refuses these first with a clear message; the triggers hold for any writer that skips it,
-- and for two writers that raced (the tolerance absorbs floating-point sums such as 0.1 + 0.2).
CREATE TRIGGER `privacy_budget_not_below_spent` BEFORE INSERT ON `privacy_budget`
WHEN NOT (NEW.`epsilon` > 0) OR NEW.`epsilon` + 1e-9 < (SELECT COALESCE(SUM(`epsilon`), 0) FROM `privacy_ledger`)
BEGIN SELECT RAISE(ABORT, 'privacy budget below what is spent'); END;
--> statement-breakpoint
CREATE TRIGGER `privacy_ledger_within_budget` BEFORE INSERT ON `privacy_ledger`
WHEN (SELECT COALESCE(SUM(`epsilon`), 0) FROM `privacy_ledger`) + NEW.`epsilon` > COALESCE((SELECT `epsilon` FROM `privacy_budget` ORDER BY `seq` DESC LIMIT 1), 0) + 1e-9
BEGIN SELECT RAISE(ABORT, 'privacy budget exceeded'); END;
