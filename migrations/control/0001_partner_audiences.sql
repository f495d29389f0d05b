CREATE TABLE `audience_queries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`company_id` text NOT NULL,
	`filter` text NOT NULL,
	`true_count` integer NOT NULL,
	`true_reachable` integer NOT NULL,
	`outcome` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audience_queries_company_created_idx` ON `audience_queries` (`company_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `partner_campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`service_id` text NOT NULL,
	`title` text NOT NULL,
	`text` text NOT NULL,
	`audience` text NOT NULL,
	`channel` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`daily_cap` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `partner_campaigns_company_idx` ON `partner_campaigns` (`company_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `partner_campaigns_status_idx` ON `partner_campaigns` (`status`,`starts_at`);--> statement-breakpoint
ALTER TABLE `bot_offers` ADD `campaign_id` text;--> statement-breakpoint
CREATE INDEX `bot_offers_campaign_idx` ON `bot_offers` (`campaign_id`,`sent_at`);