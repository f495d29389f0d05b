import { writeFileSync } from "node:fs";
import { generateMl100kShape } from "../src/domain/ml100k-shape";
const d = generateMl100kShape();
const lines: string[] = []; const users: string[] = [];
const occ = d.needsVocabulary;
for (let u = 0; u < d.clients.count; u++) {
  for (let i = d.interactions.rowPtr[u]; i < d.interactions.rowPtr[u + 1]; i++) lines.push(`${u + 1}\t${d.interactions.col[i] + 1}\t${1 + ((u * 7 + i) % 5)}\t${Math.floor(d.interactions.time![i] / 1000)}`);
  users.push(`${u + 1}|${d.clients.age[u]}|${d.clients.gender[u] === 1 ? "F" : "M"}|${occ[d.clients.needsIdx[u]]}|${d.clients.region[u]}1234`);
}
// shuffle lines deterministically like the real file (not sorted by user)
lines.sort((a, b) => (a.length * 31 + a.charCodeAt(3)) % 97 - (b.length * 31 + b.charCodeAt(3)) % 97);
writeFileSync("/tmp/u.data", lines.join("\n") + "\n");
writeFileSync("/tmp/u.user", users.join("\n") + "\n");
writeFileSync("/tmp/small.csv", "user,item,value,timestamp,age,income,region,gender,needs\n" +
  "a,mortgage,1,2026-01-01,30,90000,msk,F,housing;family\n" +
  "a,card,-1,2026-02-01,30,90000,msk,F,housing;family\n" +
  "b,card,1,1767225600,45,150000,spb,M,car\n" +
  "b,mortgage,1,1767225600000,45,150000,spb,M,car\n");
