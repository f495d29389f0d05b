/**
 * The loop through the recommendation route: a deal reported by the CRM is reflected by the
 * client's very next recommendation (no retraining needed): an accepted service is no longer
 * offered, nor is a declined one within the decline cool-down.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { postDeal } from "../analytics/fixtures";
import {
  putClient,
  putClients,
  recommendationsOf,
  seedWorld,
  syntheticClients,
  type World,
} from "../recommendations/fixtures";

let world: World;
const SUBJECT = "loop-subject";

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(120, 11));
  await putClient(world.bankCrm, SUBJECT, {
    age: 41,
    monthly_income: 180_000,
    region: "msk",
    gender: "male",
    needs: ["housing", "car", "travel", "savings"],
    services: { debit_card: 1 },
  });
});

interface Recommended {
  code: string;
  company: { id: string; name: string };
}

async function recommended(): Promise<Recommended[]> {
  const res = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=20");
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.recommendations;
}

/** Codes of the bank's services among the recommendations (the bank's CRM reports deals on those). */
function bankServices(recommendations: Recommended[]): string[] {
  return recommendations.filter((r) => r.company.id === world.bank.id).map((r) => r.code);
}

describe("a CRM deal and the next recommendation", () => {
  it("an accepted service disappears from the client's next recommendations, and so does a declined one", async () => {
    const before = bankServices(await recommended());
    expect(before.length).toBeGreaterThanOrEqual(2);
    const [accepted, declined] = before;

    const accept = await postDeal(world.bankCrm, {
      external_id: SUBJECT,
      service: accepted,
      outcome: "accepted",
      amount: 1000,
    });
    expect(accept.status).toBe(201);
    const afterAccept = bankServices(await recommended());
    expect(afterAccept).not.toContain(accepted);
    expect(afterAccept).toContain(declined);

    const decline = await postDeal(world.bankCrm, { external_id: SUBJECT, service: declined, outcome: "declined" });
    expect(decline.status).toBe(201);
    const afterDecline = bankServices(await recommended());
    expect(afterDecline).not.toContain(declined);
    expect(afterDecline).not.toContain(accepted);
  });
});
