/**
 * What the lead call writes, bounded (docs/storage.md): the idempotency record keeps the answer
 * compressed and a replay sends the first answer's exact bytes; the raw candidates are the answered
 * best ones while the daily rollup counts every rated service; a partner's outcome moves the lead's
 * count in the rollup, which is what the calibration report reads.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { forgetServingModels } from "../../../src/storage/model-store";
import { foldAllPendingRollups } from "../../../src/usecases/analytics/fold-rollups";
import { RATED_PER_CALL, RAW_CANDIDATES_PER_CALL } from "../../../src/usecases/lead-call/rating";
import { retrainModel } from "../../../src/usecases/model/retrain";
import { allShardsD1 } from "../../all-shards";
import { api, seedCompany, seedKey, seedService } from "../../harness";

/** More services than the answer shows, so the rollup must see ratings the answer leaves out. */
const SERVICE_COUNT = RATED_PER_CALL + 12;

let crmKey: string;
let partnerKey: string;

async function setThreshold(value: number) {
  const res = await api("PUT", "/v1/admin/settings", {
    body: { changes: [{ scope: "global", key: "min_rating", value }] },
  });
  expect(res.status).toBe(200);
}

/** POST /v1/leads, answering the raw body text (the bytes a client receives). */
async function leadCall(body: unknown, idempotencyKey?: string) {
  const res = await exports.default.fetch("http://api.test/v1/leads", {
    method: "POST",
    headers: {
      authorization: `Bearer ${crmKey}`,
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The rollups' total count where `where` holds, once the pending increments are folded (as the cron does). */
async function rollupTotal(where = "1 = 1"): Promise<number> {
  await foldAllPendingRollups(env);
  // Rollups are client data: summed over the shards.
  const row = await allShardsD1
    .prepare(`SELECT TOTAL(count) AS n FROM candidate_rollups WHERE ${where}`)
    .first<{ n: number }>();
  return row!.n;
}

beforeAll(async () => {
  const bank = await seedCompany({ name: "Growth bank", kind: "bank", createdAt: 1 });
  const insurer = await seedCompany({ name: "Growth insurer", createdAt: 2 });
  for (let i = 0; i < SERVICE_COUNT; i++) {
    const owner = i % 2 === 0 ? bank : insurer;
    await seedService(owner.id, { code: `growth-${i}`, name: `Growth service number ${i}`, category: `cat-${i}` });
  }
  crmKey = (await seedKey("crm", bank.id)).key;
  partnerKey = (await seedKey("partner", insurer.id)).key;
  for (let i = 0; i < 30; i++) {
    const res = await api("PUT", `/v1/clients/growth-history-${i}`, {
      key: crmKey,
      body: {
        age: 25 + i,
        monthly_income: 90_000 + i * 1000,
        region: "msk",
        services: { [`growth-${i % 6}`]: 1, [`growth-${(i % 6) + 1}`]: 1 },
      },
    });
    expect(res.status).toBe(201);
  }
  expect((await retrainModel(env, { trigger: "admin" })).status).toBe("trained");
  forgetServingModels();
});

const client = (id: string) => ({
  external_id: id,
  age: 33,
  monthly_income: 120_000,
  region: "msk",
  services: { "growth-0": 1 },
});

describe("bounded writes of the lead call", () => {
  it("rolls up every rated service while keeping only the best few as raw candidates", async () => {
    await setThreshold(100);
    const res = await leadCall(client("growth-all-rated"));
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.text);
    expect(answer.ratings).toHaveLength(RATED_PER_CALL);
    // The call staged its increments in one pending row; the preview counts them before any fold.
    const pending = await allShardsD1
      .prepare("SELECT COUNT(*) AS n FROM candidate_rollup_pending")
      .first<{ n: number }>();
    expect(pending!.n).toBe(1);
    const unfolded = await api("GET", "/v1/admin/thresholds/preview?from=0&to=0&days=1");
    expect(unfolded.body.candidates).toBe(SERVICE_COUNT - 1);
    // Every offerable service the client does not use was rated: one fewer than the catalogue.
    expect(await rollupTotal()).toBe(SERVICE_COUNT - 1);
    expect(await rollupTotal("decision = 'below_threshold' AND outcome = 0")).toBe(SERVICE_COUNT - 1);
    const raw = await allShardsD1.prepare("SELECT COUNT(*) AS n FROM scored_candidates").first<{ n: number }>();
    // Raw rows: only the best few below the threshold (what the blend's deal samples join).
    expect(raw!.n).toBe(RAW_CANDIDATES_PER_CALL);
    // The preview at threshold 0 sees all of them, not only the answered 50.
    const preview = await api("GET", "/v1/admin/thresholds/preview?from=0&to=0&days=1");
    expect(preview.status).toBe(200);
    expect(preview.body.candidates).toBe(SERVICE_COUNT - 1);
    expect(preview.body.thresholds[0].passing).toBe(SERVICE_COUNT - 1);
  });

  it("stores the idempotent answer compressed and replays the first answer's exact bytes", async () => {
    await setThreshold(1);
    const first = await leadCall(client("growth-replayed"), "growth-replay-key");
    expect(first.status).toBe(201);
    const second = await leadCall(client("growth-replayed"), "growth-replay-key");
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    const record = await allShardsD1
      .prepare(
        `SELECT length(response_packed) AS packed, response_body AS body FROM idempotency_records WHERE key = ?1`,
      )
      .bind("growth-replay-key")
      .first<{ packed: number; body: string | null }>();
    expect(record!.body).toBeNull();
    const answerBytes = new TextEncoder().encode(first.text).length;
    console.log(JSON.stringify({ idempotencyAnswerBytes: answerBytes, storedBytes: record!.packed }));
    // The answer repeats names, categories and reason phrases: it shrinks several-fold.
    expect(record!.packed).toBeLessThan(answerBytes / 3);
  });

  it("moves a lead's count to its outcome in the rollup when the partner reports it", async () => {
    await setThreshold(1);
    const res = await leadCall(client("growth-outcome"));
    expect(res.status).toBe(201);
    const answer = JSON.parse(res.text);
    const lead = answer.leads.find(
      (l: { target_company: { name: string } }) => l.target_company.name === "Growth insurer",
    );
    expect(lead).toBeDefined();
    const before = {
      open: await rollupTotal("decision = 'lead' AND outcome = 0"),
      accepted: await rollupTotal("decision = 'lead' AND outcome = 1"),
    };
    const reported = await api("POST", `/v1/partner/leads/${lead.id}/outcome`, {
      key: partnerKey,
      body: { outcome: "accepted" },
    });
    expect(reported.status).toBe(200);
    expect(await rollupTotal("decision = 'lead' AND outcome = 0")).toBe(before.open - 1);
    expect(await rollupTotal("decision = 'lead' AND outcome = 1")).toBe(before.accepted + 1);
    // Reporting the same outcome again moves nothing.
    await api("POST", `/v1/partner/leads/${lead.id}/outcome`, { key: partnerKey, body: { outcome: "accepted" } });
    expect(await rollupTotal("decision = 'lead' AND outcome = 1")).toBe(before.accepted + 1);
    const calibration = await api("GET", "/v1/admin/analytics/calibration");
    expect(calibration.body.report.accepted).toBe(before.accepted + 1);
  });
});
