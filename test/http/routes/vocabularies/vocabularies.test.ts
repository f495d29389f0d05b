import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SEED_NEED_TAGS } from "../../../../src/domain/vocabularies/needs";
import { REGIONS } from "../../../../src/domain/vocabularies/regions";
import { api, errorCode, seedKey, seedTenant } from "../../../harness";
import { profile } from "../clients/helpers";

describe("GET /v1/vocabularies", () => {
  it("lists every region (83 federal subjects + countries abroad) and the seeded needs, for any valid key", async () => {
    const tenant = await seedTenant("Vocabulary reader");
    for (const key of [tenant.crmKey, tenant.partnerKey, (await seedKey("admin", null)).key]) {
      const res = await api("GET", "/v1/vocabularies", { key });
      expect(res.status).toBe(200);
      expect(res.body.regions).toHaveLength(REGIONS.length);
      expect(res.body.regions.filter((r: { kind: string }) => r.kind === "federal_subject")).toHaveLength(83);
      expect(res.body.regions).toContainEqual({
        code: "RU-KYA",
        kind: "federal_subject",
        label_ru: "Красноярский край",
        label_en: "Krasnoyarskiy kray",
      });
      expect(res.body.regions.find((r: { code: string }) => r.code === "DE")?.kind).toBe("country");
      expect(res.body.region_aliases.msk).toBe("RU-MOW");
      expect(res.body.needs.map((n: { code: string }) => n.code).sort()).toEqual(
        SEED_NEED_TAGS.map((t) => t.code).sort(),
      );
      expect(res.body.needs).toContainEqual({
        code: "home-internet",
        label_ru: "Домашний интернет",
        label_en: "Home internet",
        group: "home",
        active: true,
      });
    }
    expect((await api("GET", "/v1/vocabularies", { key: null })).status).toBe(401);
  });
});

describe("admin needs taxonomy", () => {
  it("creates, renames and retires tags, each change audited; profiles follow the taxonomy", async () => {
    const created = await api("POST", "/v1/admin/needs", {
      body: { code: "pets", label_ru: "Домашние животные", label_en: "Pets", group: "family" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      code: "pets",
      label_ru: "Домашние животные",
      label_en: "Pets",
      group: "family",
      active: true,
    });
    const duplicate = await api("POST", "/v1/admin/needs", {
      body: { code: "pets", label_ru: "x", label_en: "x", group: "family" },
    });
    expect(duplicate.status).toBe(409);

    const tenant = await seedTenant("Taxonomy bank");
    const withPets = await api("PUT", "/v1/clients/pet-owner", {
      key: tenant.crmKey,
      body: profile({ needs: ["pets"] }),
    });
    expect(withPets.status).toBe(201);

    const renamed = await api("PATCH", "/v1/admin/needs/pets", { body: { label_en: "Pets and vets" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.label_en).toBe("Pets and vets");
    const retired = await api("PATCH", "/v1/admin/needs/pets", { body: { active: false } });
    expect(retired.body.active).toBe(false);
    expect((await api("GET", "/v1/vocabularies")).body.needs.map((n: { code: string }) => n.code)).not.toContain(
      "pets",
    );
    expect(
      (await api("GET", "/v1/admin/needs")).body.needs.find((n: { code: string }) => n.code === "pets"),
    ).toMatchObject({ active: false });
    const refused = await api("PUT", "/v1/clients/pet-owner-2", {
      key: tenant.crmKey,
      body: profile({ needs: ["pets"] }),
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toEqual(["body", "needs", "0"]);

    const { results } = await env.DB.prepare(
      "SELECT action, entity_id FROM audit_log WHERE entity_type = 'need_tag' ORDER BY id",
    ).all<{ action: string; entity_id: string }>();
    expect(results).toEqual([
      { action: "need_tag.created", entity_id: "pets" },
      { action: "need_tag.updated", entity_id: "pets" },
      { action: "need_tag.updated", entity_id: "pets" },
    ]);
    expect((await api("PATCH", "/v1/admin/needs/no-such", { body: { active: false } })).status).toBe(404);
  });

  it("refuses bad codes (400), personal data in labels (422) and non-admin keys (403)", async () => {
    const bad = await api("POST", "/v1/admin/needs", {
      body: { code: "Has Space", label_ru: "x", label_en: "x", group: "family" },
    });
    expect(bad.status).toBe(400);
    const personal = await api("POST", "/v1/admin/needs", {
      body: { code: "vip", label_ru: "Звонить 8 912 345-67-89", label_en: "VIP", group: "family" },
    });
    expect(personal.status).toBe(422);
    expect(errorCode(personal)).toBe("personal_data");
    expect(personal.body.errors[0].path).toEqual(["body", "label_ru"]);
    const tenant = await seedTenant("Not admin");
    const forbidden = await api("POST", "/v1/admin/needs", {
      key: tenant.crmKey,
      body: { code: "vip", label_ru: "x", label_en: "x", group: "family" },
    });
    expect(forbidden.status).toBe(403);
  });
});
