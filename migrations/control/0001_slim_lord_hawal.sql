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
CREATE INDEX `link_proposals_status_idx` ON `link_proposals` (`status`);