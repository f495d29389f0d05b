/**
 * GET /v1/clients/{external_id}/recommendations: train → KV → recommend, ranking with reasons,
 * exclusions (used, declined within the cool-down, inactive service, paused company), incremental
 * updates visible at once, and security.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModel } from "../../../../src/domain/recommender";
import { CURRENT_MODEL_KEY, forgetServingModels, getServingModel } from "../../../../src/storage/model-store";
import { settings } from "../../../../src/storage/schema";
import { api, db, errorCode, seedKey } from "../../../harness";
import {
  pauseGym,
  putClient,
  putClients,
  recommendationsOf,
  retrain,
  seedWorld,
  syntheticClients,
  type World,
} from "./fixtures";

let world: World;

/** The subject: a mortgage holder with a debit card who declined a credit card. */
const SUBJECT = "subject-1";
const subjectBody = {
  age: 36,
  monthly_income: 160_000,
  region: "msk",
  gender: "female" as const,
  needs: ["housing"],
  services: { debit_card: 1 as const, mortgage: 1 as const, credit_card: -1 as const },
};

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(120, 7));
  await putClient(world.bankCrm, SUBJECT, subjectBody);
  await pauseGym(world);
});

describe("first model", () => {
  it("is trained by the first request that needs one, then stored in KV with its pointer", async () => {
    const result = await recommendationsOf(world.bankCrm, SUBJECT);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.model).not.toBeNull();
    const version = result.body.model.version as string;
    expect(result.body.recommendations.length).toBeGreaterThan(0);

    const mirror = await env.MODEL.get<{ version: string; artefactKey: string }>(CURRENT_MODEL_KEY, "json");
    expect(mirror?.version).toBe(version);
    const bytes = await env.MODEL.get(mirror!.artefactKey, "arrayBuffer");
    const model = decodeModel(new Uint8Array(bytes!), { verify: "full" });
    expect(model.version).toBe(version);
    expect(model.clientCount).toBe(121);
    const pointer = await env.DB.prepare("SELECT version FROM model_pointer WHERE id = 1").first<{ version: string }>();
    expect(pointer?.version).toBe(version);
  });
});

describe("GET /v1/clients/{external_id}/recommendations", () => {
  it("ranks services best first with rating, owner company, category and reasons", async () => {
    const result = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=20");
    expect(result.status).toBe(200);
    expect(result.body.external_id).toBe(SUBJECT);
    const items = result.body.recommendations as any[];
    const ratings = items.map((item) => item.rating);
    expect([...ratings].sort((a, b) => b - a)).toEqual(ratings);
    for (const item of items) {
      expect(item.rating).toBeGreaterThanOrEqual(0);
      expect(item.rating).toBeLessThanOrEqual(100);
      expect(Math.round(item.rating * 10) / 10).toBe(item.rating);
      expect(typeof item.name).toBe("string");
      expect(typeof item.category).toBe("string");
      expect(item.reasons.length).toBeGreaterThan(0);
      const weights = item.reasons.reduce((sum: number, reason: any) => sum + reason.weight, 0);
      expect(weights).toBeCloseTo(1, 2);
      for (const reason of item.reasons) {
        expect(["similar_services", "reference_group", "business_link", "segment_popularity", "popularity"]).toContain(
          reason.kind,
        );
        expect(reason.text.length).toBeGreaterThan(0);
      }
    }
    // The mortgage → property insurance link and the co-occurrence put it at the top (reference
    // groups, clustered from randomly ordered client ids, may let a popular service edge ahead).
    expect(items.slice(0, 2).map((item) => item.code)).toContain("property_insurance");
    const insurance = items.find((item) => item.code === "property_insurance");
    expect(insurance.company).toEqual({ id: world.insurer.id, name: world.insurer.name });
    expect(insurance.category).toBe("insurance");
    const link = insurance.reasons.find((reason: any) => reason.kind === "business_link");
    expect(link?.related_service).toEqual({ code: "mortgage", name: "mortgage" });
    const ranked = items.map((item) => item.code);
    expect(ranked.indexOf("property_insurance")).toBeLessThan(ranked.indexOf("car_insurance"));
  });

  it("never lists used, recently declined, inactive or paused-company services", async () => {
    const result = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=50");
    const codes = (result.body.recommendations as any[]).map((item) => item.code);
    for (const excluded of ["debit_card", "mortgage", "credit_card", "old_card", "fitness_pass"]) {
      expect(codes).not.toContain(excluded);
    }
    expect(codes.sort()).toEqual(["car_insurance", "car_loan", "deposit", "life_insurance", "property_insurance"]);
  });

  it("offers a declined service again once its decline cool-down is over", async () => {
    await db().insert(settings).values({
      scope: "service",
      scopeId: world.serviceIds.credit_card,
      key: "decline_cooldown_days",
      value: "0",
      updatedAt: Date.now(),
      updatedBy: "test",
    });
    try {
      const result = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=50");
      expect((result.body.recommendations as any[]).map((item) => item.code)).toContain("credit_card");
    } finally {
      await env.DB.prepare("DELETE FROM settings WHERE key = 'decline_cooldown_days'").run();
    }
  });

  it("applies limit and min_rating", async () => {
    const all = (await recommendationsOf(world.bankCrm, SUBJECT, "?limit=50")).body.recommendations as any[];
    const two = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=2");
    expect(two.body.recommendations.map((item: any) => item.code)).toEqual(all.slice(0, 2).map((item) => item.code));
    const threshold = all[1].rating;
    const above = await recommendationsOf(world.bankCrm, SUBJECT, `?min_rating=${threshold}`);
    for (const item of above.body.recommendations) expect(item.rating).toBeGreaterThanOrEqual(threshold);
    expect(above.body.recommendations.length).toBeGreaterThanOrEqual(1);
    expect(above.body.recommendations.length).toBeLessThan(all.length);
  });

  it("reflects a new interaction at once: exclusion and the client's own vector, same model version", async () => {
    const before = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=50");
    const beforeRatings = new Map((before.body.recommendations as any[]).map((item) => [item.code, item.rating]));
    await putClient(world.bankCrm, SUBJECT, { ...subjectBody, services: { property_insurance: 1, car_loan: 1 } });

    const after = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=50");
    expect(after.body.model.version).toBe(before.body.model.version);
    const codes = (after.body.recommendations as any[]).map((item) => item.code);
    expect(codes).not.toContain("property_insurance");
    expect(codes).not.toContain("car_loan");
    // The car loan links to car insurance: its rating rises, and it now names the car loan as a reason.
    const carInsurance = (after.body.recommendations as any[]).find((item) => item.code === "car_insurance");
    expect(carInsurance.rating).toBeGreaterThan(beforeRatings.get("car_insurance")!);
    expect(carInsurance.reasons.some((reason: any) => reason.related_service?.code === "car_loan")).toBe(true);
  });

  it("refuses bad limit and min_rating values and unknown parameters", async () => {
    for (const query of ["?limit=0", "?limit=51", "?limit=2.5", "?limit=abc", "?min_rating=101", "?min_rating=-1"]) {
      const result = await recommendationsOf(world.bankCrm, SUBJECT, query);
      expect(result.status, query).toBe(400);
      expect(errorCode(result)).toBe("validation_failed");
    }
    const unknown = await recommendationsOf(world.bankCrm, SUBJECT, "?sort=rating");
    expect(unknown.status).toBe(400);
    expect(errorCode(unknown)).toBe("validation_failed");
  });

  it("refuses an external_id that carries personal data", async () => {
    const result = await recommendationsOf(world.bankCrm, "ivan.petrov@example.com");
    expect(result.status).toBe(422);
    expect(errorCode(result)).toBe("personal_data");
  });
});

describe("security", () => {
  it("needs a key: none, unknown or revoked is 401", async () => {
    expect((await api("GET", `/v1/clients/${SUBJECT}/recommendations`, { key: null })).status).toBe(401);
    expect((await recommendationsOf("cb_crm_not-a-real-key-000000000000", SUBJECT)).status).toBe(401);
    const revoked = await seedKey("crm", world.bank.id);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), revoked.id).run();
    const result = await recommendationsOf(revoked.key, SUBJECT);
    expect(result.status).toBe(401);
    expect(errorCode(result)).toBe("unauthorized");
  });

  it("needs crm scope: admin and partner keys are 403", async () => {
    const admin = await api("GET", `/v1/clients/${SUBJECT}/recommendations`);
    expect(admin.status).toBe(403);
    expect(errorCode(admin)).toBe("forbidden");
    const partner = await seedKey("partner", world.bank.id);
    expect((await recommendationsOf(partner.key, SUBJECT)).status).toBe(403);
  });

  it("never shows another company's client (404, like an unknown one)", async () => {
    const foreign = await recommendationsOf(world.insurerCrm, SUBJECT);
    expect(foreign.status).toBe(404);
    expect(errorCode(foreign)).toBe("not_found");
    const unknown = await recommendationsOf(world.bankCrm, "nobody-here");
    expect(unknown.status).toBe(404);
    expect(foreign.body).toEqual(unknown.body);
  });
});

describe("serving cache", () => {
  it("a fresh isolate cache loads the current artefact from KV", async () => {
    forgetServingModels();
    const result = await recommendationsOf(world.bankCrm, SUBJECT);
    expect(result.status).toBe(200);
    const pointer = await env.DB.prepare("SELECT version FROM model_pointer WHERE id = 1").first<{ version: string }>();
    expect(result.body.model.version).toBe(pointer?.version);
  });

  it("a lagging KV mirror never moves the served model backwards; the D1 pointer decides", async () => {
    const current = (await getServingModel(env, { maxAgeMs: 0 })).serving!.pointer;
    const stale = { ...current, version: "v000000-20200101T000000Z", artefactKey: "model:artefact:gone", seq: 0 };
    await env.MODEL.put(CURRENT_MODEL_KEY, JSON.stringify(stale));
    expect((await getServingModel(env, { maxAgeMs: 0 })).serving!.pointer.version).toBe(current.version);
    await env.MODEL.delete(CURRENT_MODEL_KEY);
    forgetServingModels();
    expect((await getServingModel(env, { maxAgeMs: 0 })).serving!.pointer.version).toBe(current.version);
    await env.MODEL.put(CURRENT_MODEL_KEY, JSON.stringify(current));
  });

  it("a retrain publishes a new version that the next request uses", async () => {
    const before = (await recommendationsOf(world.bankCrm, SUBJECT)).body.model.version;
    const trained = await retrain();
    expect(trained.status).toBe("trained");
    expect(trained.version).not.toBe(before);
    expect((await recommendationsOf(world.bankCrm, SUBJECT)).body.model.version).toBe(trained.version);
  });
});
