/**
 * Cold model load in a fresh process, as a new Worker isolate pays it: the artefact bytes are in
 * memory (as after a KV read), the decoding code has never run. Prints the time of the first
 * `decodeModel` and of the first `scoreClient` on the decoded model (scratch buffers allocated,
 * scoring code cold).
 *
 * Usage: node --import tsx bench/lib/load-child.ts <artefact file> <structure|full>
 */
import { readFileSync } from "node:fs";
import { decodeModel, scoreClient } from "../../src/domain/recommender";
import { reportToParent } from "./child";

/** What one cold load measured. */
export interface ColdLoadResult {
  verify: "structure" | "full";
  bytes: number;
  decodeMs: number;
  firstScoreMs: number;
}

function main() {
  const [file, verify] = process.argv.slice(2);
  if (!file || (verify !== "structure" && verify !== "full")) {
    throw new Error("usage: load-child.ts <artefact file> <structure|full>");
  }
  const bytes = new Uint8Array(readFileSync(file));
  const decodeStart = process.hrtime.bigint();
  const model = decodeModel(bytes, { verify });
  const decodeEnd = process.hrtime.bigint();
  const services = model.nServices > 1 ? [0, 1] : [0];
  const ranked = scoreClient(
    model,
    {
      profile: { age: 35, monthlyIncome: 80_000, region: 0, gender: 1, needs: [] },
      interactions: { services, values: services.map(() => 1) },
    },
    { now: model.trainedAt },
  );
  const scoreEnd = process.hrtime.bigint();
  if (ranked.length === 0) throw new Error("the decoded model recommended nothing");
  const result: ColdLoadResult = {
    verify,
    bytes: bytes.byteLength,
    decodeMs: Number(decodeEnd - decodeStart) / 1e6,
    firstScoreMs: Number(scoreEnd - decodeEnd) / 1e6,
  };
  reportToParent(result);
}

main();
