import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const controlMigrations = await readD1Migrations(path.join(import.meta.dirname, "migrations", "control"));
  const shardMigrations = await readD1Migrations(path.join(import.meta.dirname, "migrations", "shard"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_CONTROL_MIGRATIONS: controlMigrations,
            TEST_SHARD_MIGRATIONS: shardMigrations,
            ENVIRONMENT: "test",
            // Tests write control rows straight into D1: the lead call reads them every time.
            CONTROL_CACHE_TTL_MS: "0",
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
            PSEUDONYM_KEY: "test-pseudonym-root-key-0123456789abcdef",
            ALLOW_LOCALHOST_WEBHOOKS: "false",
            TELEGRAM_BOT_TOKEN: "123456:test-bot-token",
            TELEGRAM_WEBHOOK_SECRET: "test-telegram-webhook-secret-0123456789",
            TELEGRAM_API_ROOT: "https://telegram.test",
            TELEGRAM_BOT_USERNAME: "CactuBaseTestBot",
            BOT_ENCRYPTION_KEY: "test-bot-encryption-key-0123456789abcdef",
          },
        },
      }),
    ],
    test: {
      // Many tests provoke failures on purpose (unknown leads, refused webhooks, dead letters), and
      // the Worker logs each one to stderr as it should in production: in the test run that is a
      // wall of noise around a green result. TEST_LOGS=1 shows them again when debugging.
      onConsoleLog: (_log: string, type: "stdout" | "stderr") =>
        type === "stderr" && !process.env.TEST_LOGS ? false : undefined,
      setupFiles: ["./test/setup.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});
