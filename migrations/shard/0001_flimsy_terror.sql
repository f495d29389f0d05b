CREATE TABLE `client_needs` (
	`client_id` text NOT NULL,
	`need_code` text NOT NULL,
	`source` text NOT NULL,
	`confidence` real NOT NULL,
	`observed_at` integer NOT NULL,
	`expires_at` integer,
	PRIMARY KEY(`client_id`, `need_code`, `source`),
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `client_needs_need_idx` ON `client_needs` (`need_code`,`expires_at`);--> statement-breakpoint
-- Backfill: the needs clients already carry become CRM needs (confidence 1, no expiry).
INSERT OR IGNORE INTO `client_needs` (`client_id`, `need_code`, `source`, `confidence`, `observed_at`, `expires_at`)
SELECT `clients`.`id`, j.value, 'crm', 1, `clients`.`updated_at`, NULL FROM `clients`, json_each(`clients`.`needs`) j WHERE json_valid(`clients`.`needs`) AND j.type = 'text';
