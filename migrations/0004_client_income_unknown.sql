-- clients.monthly_income becomes nullable (null = unknown income: bot clients). SQLite cannot drop a
-- NOT NULL in place, so the table is rebuilt. D1 keeps foreign keys on and runs a migration in one
-- transaction: deferring the checks to the commit lets the table be dropped and renamed back while
-- leads, interactions, deals and bot rows keep pointing at the same ids.
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__new_clients` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`external_hash` text NOT NULL,
	`age` integer NOT NULL,
	`monthly_income` integer,
	`region` text NOT NULL,
	`gender` text,
	`needs` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_clients`("id", "company_id", "external_hash", "age", "monthly_income", "region", "gender", "needs", "created_at", "updated_at") SELECT "id", "company_id", "external_hash", "age", "monthly_income", "region", "gender", "needs", "created_at", "updated_at" FROM `clients`;--> statement-breakpoint
DROP TABLE `clients`;--> statement-breakpoint
ALTER TABLE `__new_clients` RENAME TO `clients`;--> statement-breakpoint
CREATE UNIQUE INDEX `clients_company_external_unique` ON `clients` (`company_id`,`external_hash`);