CREATE TABLE `bot_consent_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`consent_id` text NOT NULL,
	`event` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bot_consent_events_consent_idx` ON `bot_consent_events` (`consent_id`,`at`);--> statement-breakpoint
CREATE TABLE `bot_consents` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`purpose` text NOT NULL,
	`notice_version` text NOT NULL,
	`notice_hash` text NOT NULL,
	`channel` text NOT NULL,
	`entry_payload` text NOT NULL,
	`granted_at` integer NOT NULL,
	`withdrawn_at` integer
);
--> statement-breakpoint
CREATE INDEX `bot_consents_person_idx` ON `bot_consents` (`person_id`);--> statement-breakpoint
CREATE TABLE `bot_funnel` (
	`company_id` text NOT NULL,
	`stage` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`company_id`, `stage`)
);
--> statement-breakpoint
CREATE TABLE `bot_links` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`client_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bot_links_expires_idx` ON `bot_links` (`expires_at`);--> statement-breakpoint
CREATE TABLE `bot_offer_texts` (
	`service_id` text NOT NULL,
	`locale` text NOT NULL,
	`text` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`service_id`, `locale`),
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `bot_offers` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text,
	`entry_company_id` text NOT NULL,
	`service_id` text NOT NULL,
	`company_id` text NOT NULL,
	`sent_at` integer NOT NULL,
	`response` text,
	`responded_at` integer,
	`lead_id` text,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bot_offers_person_idx` ON `bot_offers` (`person_id`,`sent_at`);--> statement-breakpoint
CREATE INDEX `bot_offers_entry_idx` ON `bot_offers` (`entry_company_id`);--> statement-breakpoint
CREATE TABLE `bot_persons` (
	`id` text PRIMARY KEY NOT NULL,
	`telegram_hash` text NOT NULL,
	`chat_cipher` text NOT NULL,
	`entry_company_id` text NOT NULL,
	`campaign` text,
	`client_id` text,
	`step` text NOT NULL,
	`age_band` text,
	`needs` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`entry_company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bot_persons_telegram_unique` ON `bot_persons` (`telegram_hash`);--> statement-breakpoint
CREATE INDEX `bot_persons_client_idx` ON `bot_persons` (`client_id`);--> statement-breakpoint
CREATE TABLE `bot_ratings` (
	`offer_id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`stars` integer,
	`asked_at` integer NOT NULL,
	`rated_at` integer
);
--> statement-breakpoint
CREATE INDEX `bot_ratings_company_idx` ON `bot_ratings` (`company_id`);--> statement-breakpoint
CREATE TABLE `bot_updates` (
	`update_id` integer PRIMARY KEY NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bot_updates_received_idx` ON `bot_updates` (`received_at`);--> statement-breakpoint
CREATE TABLE `loyalty_earn_rules` (
	`event` text PRIMARY KEY NOT NULL,
	`points` integer NOT NULL,
	`lifetime_days` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `loyalty_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`transfer_key` text NOT NULL,
	`person_id` text NOT NULL,
	`account` text NOT NULL,
	`points` integer NOT NULL,
	`lot_key` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `loyalty_entries_person_idx` ON `loyalty_entries` (`person_id`,`id`);--> statement-breakpoint
CREATE INDEX `loyalty_entries_transfer_idx` ON `loyalty_entries` (`transfer_key`);--> statement-breakpoint
CREATE TABLE `loyalty_operations` (
	`key` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`seq` integer NOT NULL,
	`body` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `loyalty_operations_person_seq_unique` ON `loyalty_operations` (`person_id`,`seq`);--> statement-breakpoint
CREATE TABLE `loyalty_redemptions` (
	`key` text PRIMARY KEY NOT NULL,
	`reward_id` text NOT NULL,
	`company_id` text NOT NULL,
	`person_id` text,
	`points` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `loyalty_redemptions_reward_idx` ON `loyalty_redemptions` (`reward_id`);--> statement-breakpoint
CREATE TABLE `loyalty_rewards` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`cost_points` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `loyalty_rewards_company_idx` ON `loyalty_rewards` (`company_id`);