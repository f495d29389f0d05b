CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text,
	`scope` text NOT NULL,
	`name` text,
	`allowed_origins` text,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_company_idx` ON `api_keys` (`company_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `audit_entity_idx` ON `audit_log` (`entity_type`,`entity_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `companies` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`daily_lead_cap` integer,
	`commission_rate` real DEFAULT 0 NOT NULL,
	`webhook_url` text,
	`webhook_secret` text,
	`webhook_secret_previous` text,
	`webhook_secret_previous_expires_at` integer,
	`webhook_disabled_at` integer,
	`webhook_disabled_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `cross_service_links` (
	`from_service_id` text NOT NULL,
	`to_service_id` text NOT NULL,
	`weight` real NOT NULL,
	`note` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`from_service_id`, `to_service_id`),
	FOREIGN KEY (`from_service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `links_to_idx` ON `cross_service_links` (`to_service_id`);--> statement-breakpoint
CREATE TABLE `experiments` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scope_type` text NOT NULL,
	`scope_id` text DEFAULT '' NOT NULL,
	`holdout_share` real NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `link_proposals` (
	`id` text PRIMARY KEY NOT NULL,
	`antecedent_kind` text NOT NULL,
	`antecedent` text NOT NULL,
	`consequent` text NOT NULL,
	`support` integer NOT NULL,
	`antecedent_clients` integer NOT NULL,
	`consequent_clients` integer NOT NULL,
	`total_clients` integer NOT NULL,
	`lift` real NOT NULL,
	`lift_lower` real NOT NULL,
	`status` text NOT NULL,
	`weight` real,
	`computed_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `link_proposals_rule_unique` ON `link_proposals` (`antecedent_kind`,`antecedent`,`consequent`);--> statement-breakpoint
CREATE INDEX `link_proposals_status_idx` ON `link_proposals` (`status`);--> statement-breakpoint
CREATE TABLE `model_pointer` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`seq` integer NOT NULL,
	`generation` integer NOT NULL,
	`last_delta_id` integer NOT NULL,
	`log_positions` text DEFAULT '[]' NOT NULL,
	`artefact_key` text NOT NULL,
	`snapshot_key` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `model_rebuild_jobs` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`status` text NOT NULL,
	`phase` text NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	`trigger` text NOT NULL,
	`clients_per_step` integer NOT NULL,
	`groups` integer NOT NULL,
	`clients_total` integer NOT NULL,
	`clients_done` integer DEFAULT 0 NOT NULL,
	`start_delta_id` integer NOT NULL,
	`start_log_positions` text DEFAULT '[]' NOT NULL,
	`deltas_reconciled` integer DEFAULT 0 NOT NULL,
	`version` text,
	`error` text,
	`requested_by` text NOT NULL,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `model_rebuild_jobs_id_unique` ON `model_rebuild_jobs` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `model_rebuild_jobs_one_running` ON `model_rebuild_jobs` (`status`) WHERE status = 'running';--> statement-breakpoint
CREATE TABLE `model_versions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`status` text NOT NULL,
	`trigger` text NOT NULL,
	`generation` integer NOT NULL,
	`last_delta_id` integer NOT NULL,
	`log_positions` text DEFAULT '[]' NOT NULL,
	`input_hash` text NOT NULL,
	`artefact_key` text,
	`snapshot_key` text,
	`artefact_bytes` integer,
	`snapshot_bytes` integer,
	`client_count` integer,
	`services` integer,
	`groups` integer,
	`neighbours` integer,
	`quality` text,
	`error` text,
	`created_at` integer NOT NULL,
	`trained_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `model_versions_version_unique` ON `model_versions` (`version`);--> statement-breakpoint
CREATE INDEX `model_versions_status_idx` ON `model_versions` (`status`);--> statement-breakpoint
CREATE TABLE `need_tags` (
	`code` text PRIMARY KEY NOT NULL,
	`label_ru` text NOT NULL,
	`label_en` text NOT NULL,
	`group_code` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `services` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`category` text NOT NULL,
	`company_id` text NOT NULL,
	`description` text,
	`active` integer DEFAULT true NOT NULL,
	`model_index` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `services_code_unique` ON `services` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `services_model_index_unique` ON `services` (`model_index`);--> statement-breakpoint
CREATE INDEX `services_company_idx` ON `services` (`company_id`);--> statement-breakpoint
CREATE INDEX `services_category_idx` ON `services` (`category`);--> statement-breakpoint
CREATE TABLE `settings` (
	`scope` text NOT NULL,
	`scope_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`scope`, `scope_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `url_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`prefix` text NOT NULL,
	`service_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `url_rules_company_prefix_unique` ON `url_rules` (`company_id`,`prefix`);--> statement-breakpoint
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
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
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
	`accepted_at` integer,
	`campaign_id` text,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bot_offers_campaign_idx` ON `bot_offers` (`campaign_id`,`sent_at`);--> statement-breakpoint
CREATE INDEX `bot_offers_person_idx` ON `bot_offers` (`person_id`,`sent_at`);--> statement-breakpoint
CREATE INDEX `bot_offers_entry_idx` ON `bot_offers` (`entry_company_id`);--> statement-breakpoint
CREATE INDEX `bot_offers_lead_idx` ON `bot_offers` (`lead_id`);--> statement-breakpoint
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
	FOREIGN KEY (`entry_company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
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
CREATE INDEX `bot_ratings_company_stars_idx` ON `bot_ratings` (`company_id`,`stars`);--> statement-breakpoint
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
CREATE INDEX `loyalty_rewards_company_idx` ON `loyalty_rewards` (`company_id`);--> statement-breakpoint
CREATE TABLE `console_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`key_id` text NOT NULL,
	`scope` text NOT NULL,
	`company_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `console_sessions_token_hash_unique` ON `console_sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `console_sessions_expires_idx` ON `console_sessions` (`expires_at`);--> statement-breakpoint
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
-- The needs taxonomy's seed, written by hand from src/domain/vocabularies/needs.ts (admins extend it
-- through the needs API).
--> statement-breakpoint
INSERT INTO need_tags (code, label_ru, label_en, group_code, active, created_at, updated_at) VALUES
  ('credit', 'Кредит', 'Credit', 'finance', 1, 0, 0),
  ('savings', 'Сбережения', 'Savings', 'finance', 1, 0, 0),
  ('investing', 'Инвестиции', 'Investing', 'finance', 1, 0, 0),
  ('retirement', 'Пенсия', 'Retirement', 'finance', 1, 0, 0),
  ('insurance', 'Страхование', 'Insurance', 'finance', 1, 0, 0),
  ('cashback', 'Кешбэк', 'Cashback', 'finance', 1, 0, 0),
  ('business', 'Бизнес', 'Business', 'finance', 1, 0, 0),
  ('housing', 'Жильё', 'Housing', 'home', 1, 0, 0),
  ('home-internet', 'Домашний интернет', 'Home internet', 'home', 1, 0, 0),
  ('groceries', 'Продукты', 'Groceries', 'home', 1, 0, 0),
  ('family', 'Семья', 'Family', 'family', 1, 0, 0),
  ('children', 'Дети', 'Children', 'family', 1, 0, 0),
  ('education', 'Образование', 'Education', 'family', 1, 0, 0),
  ('car', 'Автомобиль', 'Car', 'lifestyle', 1, 0, 0),
  ('health', 'Здоровье', 'Health', 'lifestyle', 1, 0, 0),
  ('sport', 'Спорт', 'Sport', 'lifestyle', 1, 0, 0),
  ('travel', 'Путешествия', 'Travel', 'lifestyle', 1, 0, 0),
  ('mobile', 'Мобильная связь', 'Mobile', 'lifestyle', 1, 0, 0)
ON CONFLICT (code) DO NOTHING;
