import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { db, seedCompany, seedService } from "../harness";
import { clients, interactions } from "../../src/storage/schema";

it("probe", async () => {
  const co = await seedCompany();
  const s1 = await seedService(co.id, { code: "a" });
  const s2 = await seedService(co.id, { code: "b" });
  const now = Date.now();
  await db().insert(clients).values({ id: "cl_1", companyId: co.id, externalHash: "h", age: 30, monthlyIncome: 1000, region: "msk", gender: null, needs: '["x","y"]', createdAt: now, updatedAt: now });
  await db().insert(interactions).values([{ clientId: "cl_1", serviceId: s2.id, value: -1, source: "crm", at: now }, { clientId: "cl_1", serviceId: s1.id, value: 1, source: "crm", at: now }]);
  const q = sql`SELECT ids.column1 AS id, (SELECT json_array(c.age, c.monthly_income, c.region, c.gender, json(c.needs), (SELECT json_group_array(json_array(s.model_index, i.value)) FROM interactions i JOIN services s ON s.id = i.service_id WHERE i.client_id = c.id)) FROM clients c WHERE c.id = ids.column1) AS state FROM (VALUES (${"cl_1"}), (${"cl_2"})) AS ids`;
  const r = await db().all(q);
  console.log(JSON.stringify(r));
    const orig = console.error; await env.LEAD_DISPATCH.send({ v: 1, type: "deliver_lead", leadId: "ld_nope" } as any);
  await new Promise((r) => setTimeout(r, 3000));
  expect(1).toBe(1);
});
