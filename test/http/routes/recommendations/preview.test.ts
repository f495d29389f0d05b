/** POST /v1/recommendations:preview: an ad-hoc profile is rated and nothing is written. */
import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, seedKey } from "../../../harness";
import { countRows, pauseGym, putClients, retrain, seedWorld, syntheticClients, type World } from "./fixtures";

let world: World;

const profile = {
  age: 41,
  monthly_income: 220_000,
  region: "spb",
  gender: "male",
  needs: ["car"],
  services: { debit_card: 1, car_loan: 1 },
};

const preview = (body: unknown, key?: string | null, query = "") =>
  api("POST", `/v1/recommendations:preview${query}`, { key, body });

async function writeCounts() {
  return {
    clients: await countRows("clients"),
    interactions: await countRows("interactions"),
    changes: await countRows("model_stat_deltas"),
    versions: await countRows("model_versions"),
  };
}

describe("before any client exists", () => {
  it("answers an empty list with model null (never a 500)", async () => {
    const result = await preview(profile);
    // No catalog yet either: the services named are unknown.
    expect(result.status).toBe(400);
    const bare = await preview({ age: 30, monthly_income: 50_000, region: "msk" });
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual({ model: null, recommendations: [] });
  });
});

describe("with a model", () => {
  beforeAll(async () => {
    world = await seedWorld();
    await putClients(world.bankCrm, syntheticClients(80, 11));
    await pauseGym(world);
    expect((await retrain()).status).toBe("trained");
  });

  it("rates an ad-hoc profile for crm and admin keys, writing nothing", async () => {
    const before = await writeCounts();
    const asCrm = await preview(profile, world.bankCrm);
    expect(asCrm.status, JSON.stringify(asCrm.body)).toBe(200);
    expect(asCrm.body.model.version).toMatch(/^v\d{6}-/);
    const codes = (asCrm.body.recommendations as any[]).map((item) => item.code);
    // The car loan's business link and co-occurrence put car insurance near the top (reference groups,
    // clustered from randomly ordered client ids, may let one or two popular services edge ahead).
    expect(codes.slice(0, 3)).toContain("car_insurance");
    const carInsurance = (asCrm.body.recommendations as any[]).find((item) => item.code === "car_insurance");
    expect(carInsurance.reasons.find((reason: any) => reason.kind === "business_link").related_service).toEqual({
      code: "car_loan",
      name: "car loan",
    });
    for (const excluded of ["debit_card", "car_loan", "old_card", "fitness_pass"])
      expect(codes).not.toContain(excluded);

    const asAdmin = await preview(profile);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual(asCrm.body);
    expect(await writeCounts()).toEqual(before);
  });

  it("treats a declined service as declined just now", async () => {
    const result = await preview({ ...profile, services: { car_insurance: -1 } }, world.bankCrm, "?limit=50");
    expect((result.body.recommendations as any[]).map((item) => item.code)).not.toContain("car_insurance");
  });

  it("applies limit and min_rating from the query", async () => {
    const result = await preview(profile, world.bankCrm, "?limit=2");
    expect(result.body.recommendations).toHaveLength(2);
    const bad = await preview(profile, world.bankCrm, "?limit=0&colour=red");
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: any) => error.path)).toEqual([
      ["query", "limit"],
      ["query", "colour"],
    ]);
  });

  it("refuses personal data (422, naming the fields) and stores nothing", async () => {
    const before = await writeCounts();
    const result = await preview({ ...profile, full_name: "Ivan Petrov", phone: "+7 916 123-45-67" }, world.bankCrm);
    expect(result.status).toBe(422);
    expect(errorCode(result)).toBe("personal_data");
    const paths = (result.body.errors as any[]).map((error) => error.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["body.full_name", "body.phone"]));
    expect(JSON.stringify(result.body)).not.toContain("Petrov");
    expect(await writeCounts()).toEqual(before);
  });

  it("refuses invalid profiles, unknown fields and unknown service codes", async () => {
    const invalid = await preview({ ...profile, age: 5 }, world.bankCrm);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].path).toEqual(["body", "age"]);
    const unknownField = await preview({ ...profile, favourite_colour: "red" }, world.bankCrm);
    expect(unknownField.status).toBe(400);
    const unknownCode = await preview({ ...profile, services: { space_trip: 1 } }, world.bankCrm);
    expect(unknownCode.status).toBe(400);
    expect(unknownCode.body.errors[0].path).toEqual(["body", "services", "space_trip"]);
    const notJson = await api("POST", "/v1/recommendations:preview", { key: world.bankCrm, rawBody: "{age:" });
    expect(notJson.status).toBe(400);
    expect(errorCode(notJson)).toBe("invalid_json");
  });

  it("needs a crm or admin key", async () => {
    expect((await preview(profile, null)).status).toBe(401);
    expect((await preview(profile, "cb_crm_not-a-real-key-000000000000")).status).toBe(401);
    const partner = await seedKey("partner", world.insurer.id);
    const result = await preview(profile, partner.key);
    expect(result.status).toBe(403);
    expect(errorCode(result)).toBe("forbidden");
  });
});
