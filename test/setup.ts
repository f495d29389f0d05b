import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach } from "vitest";
import { clientShards } from "../src/storage/shards";
import { clearOutboxes, installOutboxes } from "./queues/outbox";

// Setup files run before each test file; applyD1Migrations() skips what is already applied.
// The control database and every client shard, each with its own history.
await applyD1Migrations(env.DB, env.TEST_CONTROL_MIGRATIONS);
for (const shard of clientShards(env)) await applyD1Migrations(shard.d1, env.TEST_SHARD_MIGRATIONS);

// The Worker's queue producers write to in-memory outboxes (test/queues/outbox.ts), never to the
// local queues, and what a test leaves there is dropped when it ends.
installOutboxes();
afterEach(clearOutboxes);
