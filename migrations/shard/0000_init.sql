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
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clients_company_external_unique` ON `clients` (`company_id`,`external_hash`);--> statement-breakpoint
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
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `deals_client_service_idx` ON `deals` (`client_id`,`service_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `deals_company_occurred_idx` ON `deals` (`company_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `deals_lead_idx` ON `deals` (`lead_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `deals_lead_occurred_unique` ON `deals` (`lead_id`,`occurred_at`);--> statement-breakpoint
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
	`model_index` integer NOT NULL,
	`value` integer NOT NULL,
	`source` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`client_id`, `service_id`),
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
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
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `leads_id_unique` ON `leads` (`id`);--> statement-breakpoint
CREATE INDEX `leads_target_seq_idx` ON `leads` (`target_company_id`,`seq`);--> statement-breakpoint
CREATE INDEX `leads_target_created_idx` ON `leads` (`target_company_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `leads_client_service_idx` ON `leads` (`client_id`,`service_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `leads_status_idx` ON `leads` (`status`);--> statement-breakpoint
CREATE INDEX `leads_created_idx` ON `leads` (`created_at`);--> statement-breakpoint
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
CREATE INDEX `scored_candidates_experiment_idx` ON `scored_candidates` (`experiment_id`,`client_id`);