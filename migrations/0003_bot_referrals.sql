CREATE TABLE `bot_referral_codes` (
	`code` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`max_uses` integer NOT NULL,
	`uses` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bot_referral_codes_person_unique` ON `bot_referral_codes` (`person_id`);--> statement-breakpoint
CREATE TABLE `bot_referrals` (
	`referred_person_id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`referrer_person_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`converted_lead_id` text,
	`converted_at` integer
);
--> statement-breakpoint
CREATE INDEX `bot_referrals_referrer_idx` ON `bot_referrals` (`referrer_person_id`);--> statement-breakpoint
ALTER TABLE `bot_offers` ADD `accepted_at` integer;--> statement-breakpoint
CREATE INDEX `bot_offers_lead_idx` ON `bot_offers` (`lead_id`);--> statement-breakpoint
CREATE INDEX `bot_ratings_company_stars_idx` ON `bot_ratings` (`company_id`,`stars`);