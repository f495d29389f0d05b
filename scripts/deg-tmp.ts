import { generateMl100kShape } from "/work/main/src/domain/ml100k-shape";
const d = generateMl100kShape();
const deg = new Int32Array(d.nServices); for (const c of d.interactions.col) deg[c]++;
const s = Array.from(deg).sort((a,b)=>b-a);
const ua = []; for (let u=0;u<d.clients.count;u++) ua.push(d.interactions.rowPtr[u+1]-d.interactions.rowPtr[u]); ua.sort((a,b)=>b-a);
console.log("items max", s[0], "median", s[841], "with<=1", s.filter(x=>x<=1).length, "zero", s.filter(x=>x==0).length, "users max", ua[0], "median", ua[471], "min", ua[942]);
