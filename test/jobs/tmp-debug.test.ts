import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { seedService } from "../harness";
import { putClient, putClients, retrain, seedWorld, syntheticClients } from "../routes/recommendations/fixtures";
import { currentSnapshot, recomputeStatistics } from "./statistics-helpers";
import { growSnapshot } from "../../src/storage/model-statistics";

it("debug", async () => {
  const world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(60, 21));
  await retrain();
  const s0 = await currentSnapshot();
  const r0 = await recomputeStatistics(s0.stats.space, s0.stats.nGroups, s0.assignmentCentroids);
  console.log("A", Array.from(s0.stats.groupMembers).join(","), "|", Array.from(r0.groupMembers).join(","));
  await seedService(world.insurer.id, { code: "travel_insurance", name: "t", category: "insurance" });
  const g = growSnapshot(s0, 11);
  const r1 = await recomputeStatistics(g.stats.space, g.stats.nGroups, g.assignmentCentroids);
  console.log("B", Array.from(g.stats.groupMembers).join(","), "|", Array.from(r1.groupMembers).join(","));
  await putClient(world.bankCrm, "x1", { age: 30, monthly_income: 50000, region: "msk", services: { travel_insurance: 1 } });
  console.log(JSON.stringify(await retrain()));
  const s2 = await currentSnapshot();
  const r2 = await recomputeStatistics(s2.stats.space, s2.stats.nGroups, s2.assignmentCentroids);
  console.log("C", Array.from(s2.stats.groupMembers).join(","), "|", Array.from(r2.groupMembers).join(","));
  console.log("cent", Array.from(s0.assignmentCentroids.slice(0, 50)).map(v=>v.toFixed(3)).join(","));
  console.log("cent", Array.from(s2.assignmentCentroids.slice(0, 50)).map(v=>v.toFixed(3)).join(","));
  expect(1).toBe(1);
});
