CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text,
	`scope` text NOT NULL,
	`name` text,
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
CREATE TABLE `clients` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`external_hash` text NOT NULL,
	`age` integer NOT NULL,
	`monthly_income` integer NOT NULL,
	`region` text NOT NULL,
	`gender` text,
	`needs` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clients_company_external_unique` ON `clients` (`company_id`,`external_hash`);--> statement-breakpoint
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
CREATE TABLE `deals` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`service_id` text NOT NULL,
	`company_id` text NOT NULL,
	`lead_id` text,
	`outcome` text NOT NULL,
	`amount` real,
	`commission` real,
	`reported_by` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `deals_client_service_idx` ON `deals` (`client_id`,`service_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `deals_company_occurred_idx` ON `deals` (`company_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `deals_lead_idx` ON `deals` (`lead_id`);--> statement-breakpoint
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
CREATE TABLE `idempotency_records` (
	`principal_id` text NOT NULL,
	`key` text NOT NULL,
	`route` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_expires_idx` ON `idempotency_records` (`expires_at`);--> statement-breakpoint
CREATE TABLE `interaction_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client_id` text NOT NULL,
	`service_id` text NOT NULL,
	`value` integer NOT NULL,
	`previous_value` integer DEFAULT 0 NOT NULL,
	`source` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `interaction_history_client_idx` ON `interaction_history` (`client_id`,`at`);--> statement-breakpoint
CREATE TABLE `interactions` (
	`client_id` text NOT NULL,
	`service_id` text NOT NULL,
	`value` integer NOT NULL,
	`source` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`client_id`, `service_id`),
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `interactions_service_idx` ON `interactions` (`service_id`);--> statement-breakpoint
CREATE TABLE `lead_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lead_id` text NOT NULL,
	`type` text NOT NULL,
	`at` integer NOT NULL,
	`attempt` integer,
	`http_status` integer,
	`latency_ms` integer,
	`error` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `lead_events_lead_idx` ON `lead_events` (`lead_id`,`at`);--> statement-breakpoint
CREATE TABLE `leads` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`client_id` text NOT NULL,
	`service_id` text NOT NULL,
	`source_company_id` text NOT NULL,
	`target_company_id` text NOT NULL,
	`rating` real NOT NULL,
	`status` text NOT NULL,
	`payload` text NOT NULL,
	`routing` text NOT NULL,
	`model_version` text,
	`delivery_attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`delivered_at` integer,
	`acknowledged_at` integer,
	`outcome_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`source_company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`target_company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `leads_id_unique` ON `leads` (`id`);--> statement-breakpoint
CREATE INDEX `leads_target_seq_idx` ON `leads` (`target_company_id`,`seq`);--> statement-breakpoint
CREATE INDEX `leads_target_created_idx` ON `leads` (`target_company_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `leads_client_service_idx` ON `leads` (`client_id`,`service_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `leads_status_idx` ON `leads` (`status`);--> statement-breakpoint
CREATE INDEX `leads_created_idx` ON `leads` (`created_at`);--> statement-breakpoint
CREATE TABLE `model_pointer` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`seq` integer NOT NULL,
	`generation` integer NOT NULL,
	`last_delta_id` integer NOT NULL,
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
CREATE TABLE `model_stat_deltas` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`write_id` text NOT NULL,
	`client_id` text NOT NULL,
	`at` integer NOT NULL,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `model_stat_deltas_write_idx` ON `model_stat_deltas` (`write_id`);--> statement-breakpoint
CREATE TABLE `model_versions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`status` text NOT NULL,
	`trigger` text NOT NULL,
	`generation` integer NOT NULL,
	`last_delta_id` integer NOT NULL,
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
CREATE TABLE `scored_candidates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client_id` text NOT NULL,
	`service_id` text NOT NULL,
	`company_id` text NOT NULL,
	`rating` real NOT NULL,
	`threshold` real NOT NULL,
	`decision` text NOT NULL,
	`lead_id` text,
	`experiment_id` text,
	`at` integer NOT NULL,
	`part_item` real,
	`part_group` real,
	`part_link` real,
	`part_segment` real,
	`part_popularity` real,
	`part_activity` real
);
--> statement-breakpoint
CREATE INDEX `scored_candidates_at_idx` ON `scored_candidates` (`at`);--> statement-breakpoint
CREATE INDEX `scored_candidates_service_idx` ON `scored_candidates` (`service_id`,`at`);--> statement-breakpoint
CREATE INDEX `scored_candidates_client_service_idx` ON `scored_candidates` (`client_id`,`service_id`,`at`);--> statement-breakpoint
CREATE INDEX `scored_candidates_experiment_idx` ON `scored_candidates` (`experiment_id`,`client_id`);--> statement-breakpoint
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
