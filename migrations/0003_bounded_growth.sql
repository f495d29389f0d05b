-- Bounded growth (docs/storage.md): daily rollups of scored candidates, the index of archived leads,
-- compressed idempotency answers, and the scored-candidate indexes no query uses any more.
-- Both new tables are client data (one per shard) and WITHOUT ROWID: their primary key is the table.
CREATE TABLE `archived_leads` (
	`id` text PRIMARY KEY NOT NULL,
	`object_key` text NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `candidate_rollups` (
	`day` integer NOT NULL,
	`company_id` text NOT NULL,
	`service_id` text NOT NULL,
	`rating_slot` integer NOT NULL,
	`decision` text NOT NULL,
	`outcome` integer NOT NULL,
	`count` integer NOT NULL,
	`rating_sum` real NOT NULL,
	`rating_square_sum` real NOT NULL,
	PRIMARY KEY(`day`, `company_id`, `service_id`, `rating_slot`, `decision`, `outcome`)
) WITHOUT ROWID;
--> statement-breakpoint
-- The candidates recorded so far, rolled up with their leads' standing outcomes, so the reports keep
-- their history when they switch to the rollups.
INSERT INTO `candidate_rollups`
SELECT sc.at - (sc.at % 86400000),
       sc.company_id,
       sc.service_id,
       CASE WHEN sc.rating >= 0 AND sc.rating <= 100 THEN CAST(sc.rating AS INTEGER) ELSE -1 END,
       sc.decision,
       CASE l.status WHEN 'accepted' THEN 1 WHEN 'declined' THEN -1 ELSE 0 END,
       COUNT(*),
       TOTAL(sc.rating),
       TOTAL(sc.rating * sc.rating)
FROM `scored_candidates` sc LEFT JOIN `leads` l ON l.id = sc.lead_id
GROUP BY 1, 2, 3, 4, 5, 6;
--> statement-breakpoint
DROP INDEX `scored_candidates_at_idx`;--> statement-breakpoint
DROP INDEX `scored_candidates_service_idx`;--> statement-breakpoint
ALTER TABLE `idempotency_records` ADD `response_packed` blob;
