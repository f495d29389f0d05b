/** A small market for the bot's conversations: the bank (the QR code's company), an insurer and a gym. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { forgetServingModels } from "../../../../src/storage/model-store";
import { retrainModel } from "../../../../src/usecases/model/retrain";
import { allShardsD1 } from "../../../all-shards";
import { api, seedCompany, seedKey, seedLink, seedService, shardD1Of } from "../../../harness";
import { newSecret } from "../../../usecases/lead-delivery/fixtures";

export const INSURER_ENDPOINT = "https://insurer.example/hooks/leads";

export async function botMarket() {
  const bank = await seedCompany({ name: "Expobank", kind: "bank", createdAt: 1 });
  const insurer = await seedCompany({
    name: "Insurer",
    createdAt: 2,
    webhookUrl: INSURER_ENDPOINT,
    webhookSecret: newSecret(),
  });
  const gym = await seedCompany({ name: "Gym", createdAt: 3 });
  const mortgage = await seedService(bank.id, { code: "mortgage", category: "loans-mortgage", name: "Ипотека" });
  await seedService(bank.id, { code: "deposit", category: "deposits", name: "Вклад" });
  const insurance = await seedService(insurer.id, {
    code: "property-ins",
    category: "insurance-property",
    name: "Страхование квартиры",
  });
  const gymPass = await seedService(gym.id, { code: "gym-pass", category: "fitness", name: "Абонемент" });
  await seedLink(mortgage.id, insurance.id, 0.9);
  const crm = await seedKey("crm", bank.id);
  for (let i = 0; i < 30; i++) {
    const res = await api("PUT", `/v1/clients/history-m-${i}`, {
      key: crm.key,
      body: {
        age: 28 + (i % 8),
        monthly_income: 120_000,
        region: "msk",
        needs: ["housing", "insurance"],
        services: { mortgage: 1, "property-ins": 1 },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  for (let i = 0; i < 10; i++) {
    await api("PUT", `/v1/clients/history-d-${i}`, {
      key: crm.key,
      body: {
        age: 60 + i,
        monthly_income: 40_000,
        region: "spb",
        needs: ["health"],
        services: { deposit: 1, "gym-pass": 1 },
      },
    });
  }
  const trained = await retrainModel(env, { trigger: "admin" });
  expect(trained.status).toBe("trained");
  forgetServingModels();
  const settings = await api("PUT", "/v1/admin/settings", {
    body: { changes: [{ scope: "global", key: "min_rating", value: 1 }] },
  });
  expect(settings.status).toBe(200);
  for (const [code, text] of [
    ["property-ins", "Защитите квартиру от протечек и пожара. Оформление онлайн за 5 минут."],
    ["gym-pass", "Первая неделя занятий в зале бесплатно."],
    ["deposit", "Надёжный вклад с ежемесячной капитализацией."],
  ] as const) {
    const put = await api("PUT", `/v1/admin/bot/offer-texts/${code}/ru`, { body: { text } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  }
  const rule = await api("PUT", "/v1/admin/bot/earn-rules/survey_completed", {
    body: { points: 50, lifetime_days: 365 },
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(200);
  return { bank, insurer, gym, crm: crm.key, services: { insurance, gymPass } };
}

export async function count(table: string, where = ""): Promise<number> {
  // The bot's tables are in the control database; leads and their events in the client shards.
  const database = table.startsWith("bot_") || table.startsWith("loyalty_") ? env.DB : allShardsD1;
  const row = await database.prepare(`SELECT COUNT(*) AS n FROM ${table} ${where}`).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Every row of the bot's tables and the clients they point at, as stored. */
export async function botRows() {
  const all = async (sql: string) => (await env.DB.prepare(sql).all()).results;
  return {
    bot_updates: await all("SELECT * FROM bot_updates ORDER BY update_id"),
    bot_persons: await all("SELECT * FROM bot_persons"),
    bot_consents: await all("SELECT * FROM bot_consents"),
    bot_consent_events: await all("SELECT * FROM bot_consent_events ORDER BY id"),
    bot_offers: await all("SELECT * FROM bot_offers"),
    bot_funnel: await all("SELECT * FROM bot_funnel ORDER BY company_id, stage"),
    loyalty_operations: await all("SELECT * FROM loyalty_operations ORDER BY person_id, seq"),
    loyalty_entries: await all("SELECT * FROM loyalty_entries ORDER BY id"),
    // The persons are in the control database, their clients in the shards their ids name.
    bot_clients: await botClients(),
  };
}

async function botClients() {
  const persons = await env.DB.prepare("SELECT client_id FROM bot_persons WHERE client_id IS NOT NULL").all<{
    client_id: string;
  }>();
  const rows = [];
  for (const { client_id: id } of persons.results) {
    const row = await shardD1Of(id).prepare("SELECT * FROM clients WHERE id = ?").bind(id).first();
    if (row) rows.push(row);
  }
  return rows;
}
