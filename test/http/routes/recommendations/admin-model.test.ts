/**
 * Admin routes of the model: GET /v1/admin/model, POST /v1/admin/model/retrain,
 * POST /v1/admin/model/rebuild + GET /v1/admin/model/rebuild/{id} (steps run through the Worker's
 * queue handler), and
 * GET /v1/admin/services/{code}/similar.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, seedKey, seedLink } from "../../../harness";
import { drain } from "../../../queues/outbox";
import { putClient, putClients, retrain, seedWorld, syntheticClients, type World } from "./fixtures";

let world: World;

beforeAll(async () => {
  world = await seedWorld();
});

/** Runs the queued rebuild steps one after the other, then answers the job as the admin route shows it. */
async function runQueuedJob(id: string) {
  expect((await drain("model-rebuild")).retried).toEqual([]);
  const job = await api("GET", `/v1/admin/model/rebuild/${id}`);
  expect(job.status).toBe(200);
  return job.body;
}

describe("before the first model", () => {
  it("GET /v1/admin/model shows no current model", async () => {
    const result = await api("GET", "/v1/admin/model");
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ current: null, history: [], rebuild: null });
  });

  it("a retrain with no clients answers no_data and writes nothing", async () => {
    const result = await retrain();
    expect(result.status).toBe("no_data");
    expect((await api("GET", "/v1/admin/model")).body.history).toEqual([]);
  });

  it("similar services: known code without a model is an empty list, unknown code is 404", async () => {
    const known = await api("GET", "/v1/admin/services/mortgage/similar");
    expect(known.status).toBe(200);
    expect(known.body).toEqual({
      service: { code: "mortgage", name: "mortgage", category: "loans" },
      model: null,
      similar: [],
    });
    const unknown = await api("GET", "/v1/admin/services/space_trip/similar");
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe("not_found");
  });
});

describe("with clients", () => {
  beforeAll(async () => {
    await putClients(world.bankCrm, syntheticClients(150, 3));
  });

  it("the first retrain builds the statistics and publishes a model; GET shows it", async () => {
    const result = await retrain();
    expect(result.status).toBe("trained");
    const status = await api("GET", "/v1/admin/model");
    expect(status.status).toBe(200);
    const current = status.body.current;
    expect(current.version).toBe(result.version);
    // The first statistics come from a full rebuild run inside the request.
    expect(current).toMatchObject({
      trigger: "rebuild",
      generation: 1,
      clients: 150,
      services: 10,
      neighbours: 100,
      pending_changes: 0,
      rebuild_recommended: false,
    });
    expect(current.groups).toBeGreaterThanOrEqual(8);
    expect(current.artefact_bytes).toBeGreaterThan(1000);
    expect(current.snapshot_bytes).toBeGreaterThan(1000);
    expect(current.last_delta_id).toBeGreaterThanOrEqual(150);
    expect(current.calibration.source).toBe("default");
    expect(current.calibration.report).toBeNull();
    expect(current.calibration.blend.intercept).toEqual(expect.any(Number));
    expect(current.quality.uses).toBeGreaterThan(150);
    expect(current.quality.active_groups).toBeGreaterThan(1);
    expect(current.quality.group_cohesion).toBeGreaterThan(0);
    expect(current.quality.group_cohesion).toBeLessThanOrEqual(1);
    expect(current.quality.rebuilt_clients).toBe(150);
    expect(status.body.history).toHaveLength(1);
    expect(status.body.history[0]).toMatchObject({ version: result.version, status: "ready", current: true });
    expect(status.body.rebuild).toMatchObject({ status: "succeeded", trigger: "bootstrap", version: result.version });
  });

  it("retraining with nothing changed answers unchanged and writes nothing", async () => {
    const versions = await env.DB.prepare("SELECT COUNT(*) AS n FROM model_versions").first<{ n: number }>();
    const again = await retrain();
    expect(again).toMatchObject({ status: "unchanged", version: again.current_version });
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM model_versions").first<{ n: number }>();
    expect(after?.n).toBe(versions?.n);
  });

  it("a new link or a client write makes the next retrain train again; pending changes are shown", async () => {
    await seedLink(world.serviceIds.deposit, world.serviceIds.life_insurance, 0.5);
    expect((await retrain()).status).toBe("trained");
    await putClient(world.bankCrm, "late-client", { age: 30, monthly_income: 90_000, region: "msk" });
    const status = await api("GET", "/v1/admin/model");
    expect(status.body.current.pending_changes).toBe(1);
    const trained = await retrain();
    expect(trained.status).toBe("trained");
    const after = await api("GET", "/v1/admin/model");
    expect(after.body.current).toMatchObject({ version: trained.version, clients: 151, pending_changes: 0 });
    expect(after.body.history.map((row: any) => row.current)).toEqual([true, false, false]);
  });

  it("similar services lists the kept neighbours, most similar first", async () => {
    const result = await api("GET", "/v1/admin/services/mortgage/similar?limit=3");
    expect(result.status).toBe(200);
    expect(result.body.model.version).toMatch(/^v/);
    const similar = result.body.similar as any[];
    expect(similar.length).toBeGreaterThan(0);
    expect(similar.length).toBeLessThanOrEqual(3);
    expect(similar[0].code).toBe("property_insurance");
    expect(similar[0].company).toEqual({ id: world.insurer.id, name: world.insurer.name });
    const values = similar.map((entry) => entry.similarity);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    for (const value of values) expect(value).toBeGreaterThan(0);
    expect((await api("GET", "/v1/admin/services/mortgage/similar?limit=0")).status).toBe(400);
    expect((await api("GET", "/v1/admin/services/mortgage/similar?top=3")).status).toBe(400);
  });

  it("a full rebuild runs through the queue, reports progress and publishes a new generation", async () => {
    const started = await api("POST", "/v1/admin/model/rebuild");
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: "running", phase: "cluster", trigger: "admin", clients_total: 151 });
    const second = await api("POST", "/v1/admin/model/rebuild");
    if (second.status !== 202) {
      expect(second.status).toBe(409);
      expect(errorCode(second)).toBe("conflict");
      expect(second.body.errors[0].message).toContain(started.body.id);
    }
    const finished = await runQueuedJob(started.body.id);
    expect(finished).toMatchObject({ status: "succeeded", phase: "done", clients_done: 151, progress: 1 });
    const status = await api("GET", "/v1/admin/model");
    expect(status.body.current).toMatchObject({ version: finished.version, generation: 2, trigger: "rebuild" });
    expect(status.body.rebuild.id).toBe(started.body.id);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE entity_id = ?")
      .bind(started.body.id)
      .first<{ action: string }>();
    expect(audit?.action).toBe("model.rebuild_started");
  });

  it("an unknown rebuild job is 404", async () => {
    const result = await api("GET", "/v1/admin/model/rebuild/rb_unknown");
    expect(result.status).toBe(404);
    expect(errorCode(result)).toBe("not_found");
  });
});

describe("security", () => {
  const routes: Array<[string, string]> = [
    ["GET", "/v1/admin/model"],
    ["POST", "/v1/admin/model/retrain"],
    ["POST", "/v1/admin/model/rebuild"],
    ["GET", "/v1/admin/model/rebuild/rb_x"],
    ["GET", "/v1/admin/services/mortgage/similar"],
  ];

  it("every admin model route needs an admin key", async () => {
    const crm = await seedKey("crm", world.bank.id);
    const partner = await seedKey("partner", world.bank.id);
    for (const [method, path] of routes) {
      expect((await api(method, path, { key: null })).status, path).toBe(401);
      expect((await api(method, path, { key: "cb_admin_not-a-real-key-0000000000" })).status, path).toBe(401);
      const asCrm = await api(method, path, { key: crm.key });
      expect(asCrm.status, path).toBe(403);
      expect(errorCode(asCrm)).toBe("forbidden");
      expect((await api(method, path, { key: partner.key })).status, path).toBe(403);
    }
  });
});
