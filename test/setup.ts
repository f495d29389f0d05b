import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach } from "vitest";
import { clearOutboxes, installOutboxes } from "./queues/outbox";

// Setup files run before each test file; applyD1Migrations() skips what is already applied.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// The Worker's queue producers write to in-memory outboxes (test/queues/outbox.ts), never to the
// local queues, and what a test leaves there is dropped when it ends.
installOutboxes();
afterEach(clearOutboxes);
