import { readFileSync } from "node:fs";
import { decodeModel } from "../src/domain/recommender";
const bytes = new Uint8Array(readFileSync("/tmp/model2000.bin"));
const t = process.hrtime.bigint();
decodeModel(bytes, { verify: process.argv[2] as any });
console.log(process.argv[2], Number(process.hrtime.bigint() - t) / 1e6, "ms cold");
