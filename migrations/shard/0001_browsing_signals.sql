CREATE TABLE `anonymous_links` (
	`company_id` text NOT NULL,
	`anonymous_hash` text NOT NULL,
	`client_hash` text NOT NULL,
	`linked_at` integer NOT NULL,
	PRIMARY KEY(`company_id`, `anonymous_hash`)
);
--> statement-breakpoint
CREATE TABLE `browsing_daily` (
	`company_id` text NOT NULL,
	`subject_kind` text NOT NULL,
	`subject_hash` text NOT NULL,
	`service_id` text NOT NULL,
	`day` integer NOT NULL,
	`events` integer NOT NULL,
	PRIMARY KEY(`company_id`, `subject_kind`, `subject_hash`, `service_id`, `day`)
);
--> statement-breakpoint
CREATE INDEX `browsing_daily_day_idx` ON `browsing_daily` (`day`);--> statement-breakpoint
CREATE TABLE `event_receipts` (
	`company_id` text NOT NULL,
	`message_id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`company_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `event_receipts_received_idx` ON `event_receipts` (`received_at`);