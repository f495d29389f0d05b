/**
 * A small population for partner audiences: 300 Moscow and 60 Saint Petersburg clients of the bank,
 * half of the Moscow ones in the Telegram bot with a live consent to partner offers (and a few whose
 * consent was withdrawn, who must never count as reachable).
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { CONSENT_PURPOSE } from "../../../../src/domain/bot/consent-notice";
import { encryptText, telegramIdHash } from "../../../../src/lib/crypto";
import { newId } from "../../../../src/lib/ids";
import { api, seedCompany, seedKey, seedService } from "../../../harness";

export const MOSCOW_CLIENTS = 300;
export const SPB_CLIENTS = 60;
/** Moscow clients (every other one) in the bot with a live consent. */
export const REACHABLE_MOSCOW = 150;
/** Moscow clients in the bot whose consent was withdrawn (not reachable). */
export const WITHDRAWN_MOSCOW = 40;
/** First Telegram user id of the bot persons (in a private chat, the chat id is the user id). */
export const FIRST_CHAT_ID = 777_000_000;

export interface AudienceWorld {
  bank: Awaited<ReturnType<typeof seedCompany>>;
  partner: Awaited<ReturnType<typeof seedCompany>>;
  partnerKey: string;
  crmKey: string;
  gymPass: { id: string; code: string };
  /** Client ids of the Moscow clients with a live bot consent, with their chat ids. */
  reachable: Array<{ clientId: string; personId: string; chatId: number }>;
}

function ageOf(i: number) {
  return 18 + (i % 60);
}

export async function audienceWorld(): Promise<AudienceWorld> {
  const bank = await seedCompany({ name: "Expobank", kind: "bank", createdAt: 1 });
  const partner = await seedCompany({ name: "Gym", createdAt: 2, commissionRate: 0.1 });
  await seedService(bank.id, { code: "debit_card", category: "cards" });
  const gymPass = await seedService(partner.id, { code: "gym-pass", category: "fitness", name: "Абонемент" });
  const crm = await seedKey("crm", bank.id);
  const partnerKey = await seedKey("partner", partner.id);
  const moscow = Array.from({ length: MOSCOW_CLIENTS }, (_, i) => ({
    external_id: `msk-${i}`,
    age: ageOf(i),
    monthly_income: 100_000,
    region: "RU-MOW",
    gender: i % 2 === 0 ? "female" : "male",
    needs: i % 3 === 0 ? ["health"] : ["housing"],
    services: i % 2 === 0 ? { debit_card: 1 } : {},
  }));
  const spb = Array.from({ length: SPB_CLIENTS }, (_, i) => ({
    external_id: `spb-${i}`,
    age: ageOf(i),
    monthly_income: 80_000,
    region: "RU-SPE",
    gender: "female",
    needs: ["travel"],
    services: { debit_card: 1 },
  }));
  const written = await api("POST", "/v1/clients:batch", { key: crm.key, body: { clients: [...moscow, ...spb] } });
  expect(written.status, JSON.stringify(written.body).slice(0, 400)).toBe(200);
  expect(written.body.summary.invalid).toBe(0);

  // client_ref is the client's pseudonymous id (`cl_…`), in the order the clients were sent.
  const moscowClientIds: string[] = written.body.results
    .slice(0, MOSCOW_CLIENTS)
    .map((r: { client_ref: string }) => r.client_ref);
  const reachable: AudienceWorld["reachable"] = [];
  const statements: D1PreparedStatement[] = [];
  const now = Date.now();
  for (let i = 0; i < REACHABLE_MOSCOW + WITHDRAWN_MOSCOW; i++) {
    // Live consents: the even Moscow clients; withdrawn ones: the first odd ones.
    const clientId = moscowClientIds[i < REACHABLE_MOSCOW ? 2 * i : 2 * (i - REACHABLE_MOSCOW) + 1];
    const personId = newId("bp");
    const chatId = FIRST_CHAT_ID + i;
    const withdrawn = i >= REACHABLE_MOSCOW;
    statements.push(
      env.DB.prepare(
        `INSERT INTO bot_persons (id, telegram_hash, chat_cipher, entry_company_id, client_id, step, needs, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'ready', '[]', ?, ?)`,
      ).bind(
        personId,
        await telegramIdHash(env.PSEUDONYM_KEY, chatId),
        await encryptText(env.BOT_ENCRYPTION_KEY, String(chatId)),
        bank.id,
        clientId,
        now,
        now,
      ),
      env.DB.prepare(
        `INSERT INTO bot_consents (id, person_id, purpose, notice_version, notice_hash, channel, entry_payload, granted_at, withdrawn_at)
         VALUES (?, ?, ?, 'test', 'test', 'telegram', 'test', ?, ?)`,
      ).bind(newId("bc"), personId, CONSENT_PURPOSE, now, withdrawn ? now : null),
    );
    if (!withdrawn) reachable.push({ clientId, personId, chatId });
  }
  await env.DB.batch(statements);
  return { bank, partner, partnerKey: partnerKey.key, crmKey: crm.key, gymPass, reachable };
}
