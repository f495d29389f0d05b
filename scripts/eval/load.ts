/**
 * Reading interaction files for the offline evaluation.
 *
 * Accepted input:
 * - CSV / TSV with a header naming the columns: user, item, value, and optionally timestamp, age,
 *   income (or monthly_income), region, gender, needs (tags separated by ";" or "|"). Column names
 *   are case-insensitive; user_id / item_id / service / rating / time are accepted aliases.
 * - Without a header: positional `user item value [timestamp]` — this is MovieLens `u.data`
 *   (tab-separated `user item rating timestamp`).
 * Values: > 0 is a positive (every MovieLens rating 1–5 counts as "used"), < 0 a decline, 0 is skipped.
 * Timestamps: numbers below 1e11 are seconds, larger ones milliseconds; other text is parsed as a date.
 * A (user, item) pair given twice keeps its newest (or, without times, its last) value.
 * Optional MovieLens `u.user` (`id|age|gender|occupation|zip`) adds profiles: occupation becomes a
 * needs tag and the first zip digit a region.
 */
import { readFileSync } from "node:fs";
import { type Dataset, GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN } from "../../src/domain/dataset";

export type FileFormat = "csv" | "tsv";

/** A loaded file: the dataset plus the original ids of its rows and columns. */
export interface LoadedData {
  dataset: Dataset;
  userIds: string[];
  itemIds: string[];
}

const ALIASES: Record<string, string> = {
  user: "user",
  user_id: "user",
  userid: "user",
  client: "user",
  item: "item",
  item_id: "item",
  itemid: "item",
  service: "item",
  value: "value",
  rating: "value",
  timestamp: "timestamp",
  time: "timestamp",
  age: "age",
  income: "income",
  monthly_income: "income",
  monthlyincome: "income",
  region: "region",
  gender: "gender",
  needs: "needs",
};

/** Error in an input file, with its location. */
export class InputFileError extends Error {}

function readText(path: string, encoding: "utf8" | "latin1"): string {
  try {
    return readFileSync(path, encoding);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InputFileError(`${path}: cannot read the file (${code})`);
  }
}

function parseTime(raw: string, where: string): number {
  const number = Number(raw);
  if (raw.trim() !== "" && Number.isFinite(number)) return number < 1e11 ? number * 1000 : number;
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed)) throw new InputFileError(`${where}: "${raw}" is not a timestamp`);
  return parsed;
}

function splitLine(line: string, separator: string): string[] {
  if (separator === "\t" || !line.includes('"')) return line.split(separator).map((f) => f.trim());
  // Minimal RFC 4180 quoting for CSV.
  const fields: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === separator) {
      fields.push(current.trim());
      current = "";
    } else current += ch;
  }
  fields.push(current.trim());
  return fields;
}

interface UserProfile {
  age: number;
  income: number;
  region: string;
  gender: number;
  needs: string[];
}

function parseGender(raw: string): number {
  const g = raw.trim().toLowerCase();
  if (g === "f" || g === "female") return GENDER_FEMALE;
  if (g === "m" || g === "male") return GENDER_MALE;
  return GENDER_UNKNOWN;
}

/** Reads MovieLens `u.user` profiles keyed by user id. */
export function readMovieLensUsers(path: string): Map<string, UserProfile> {
  const profiles = new Map<string, UserProfile>();
  const lines = readText(path, "latin1").split(/\r?\n/);
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    const [id, age, gender, occupation, zip] = line.split("|");
    if (zip === undefined) throw new InputFileError(`${path}:${index + 1}: expected id|age|gender|occupation|zip`);
    profiles.set(id.trim(), {
      age: Number(age),
      income: 0,
      region: /^\d/.test(zip) ? `zip-${zip[0]}` : "zip-other",
      gender: parseGender(gender),
      needs: [occupation.trim()],
    });
  });
  return profiles;
}

/**
 * Loads an interaction file into a dataset.
 * @throws InputFileError naming the file and line of the first problem.
 */
export function loadInteractionFile(path: string, format?: FileFormat, usersPath?: string): LoadedData {
  const text = readText(path, "utf8");
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && !lines[first].trim()) first++;
  if (first === lines.length) throw new InputFileError(`${path}: the file is empty`);
  const resolved: FileFormat =
    format ?? (path.endsWith(".csv") ? "csv" : lines[first].includes("\t") || path.endsWith(".data") ? "tsv" : "csv");
  const separator = resolved === "tsv" ? "\t" : ",";
  const head = splitLine(lines[first], separator).map((f) => f.toLowerCase());
  const hasHeader = head.some((f) => ALIASES[f] === "user") && head.some((f) => ALIASES[f] === "item");
  const columns: Record<string, number> = { user: 0, item: 1, value: 2, timestamp: 3 };
  if (hasHeader) {
    for (const key of Object.keys(columns)) delete columns[key];
    head.forEach((name, i) => {
      const key = ALIASES[name];
      if (key && columns[key] === undefined) columns[key] = i;
    });
    if (columns.value === undefined) throw new InputFileError(`${path}: the header has no value (or rating) column`);
    first++;
  }
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const profiles = new Map<number, UserProfile>();
  const cells = new Map<string, { user: number; item: number; value: number; time: number; order: number }>();
  let anyTime = false;
  let order = 0;
  for (let lineNo = first; lineNo < lines.length; lineNo++) {
    const line = lines[lineNo];
    if (!line.trim()) continue;
    const where = `${path}:${lineNo + 1}`;
    const fields = splitLine(line, separator);
    const get = (key: string) => (columns[key] === undefined ? undefined : fields[columns[key]]);
    const userId = get("user");
    const itemId = get("item");
    const rawValue = get("value");
    if (!userId || !itemId || rawValue === undefined || rawValue === "") {
      throw new InputFileError(`${where}: expected user, item and value`);
    }
    const number = Number(rawValue);
    if (!Number.isFinite(number)) throw new InputFileError(`${where}: value "${rawValue}" is not a number`);
    if (number === 0) continue;
    let user = userIndex.get(userId);
    if (user === undefined) {
      user = userIds.length;
      userIndex.set(userId, user);
      userIds.push(userId);
    }
    let item = itemIndex.get(itemId);
    if (item === undefined) {
      item = itemIds.length;
      itemIndex.set(itemId, item);
      itemIds.push(itemId);
    }
    const rawTime = get("timestamp");
    const time = rawTime ? parseTime(rawTime, where) : Number.NaN;
    if (rawTime) anyTime = true;
    if (!profiles.has(user) && (get("age") !== undefined || get("region") !== undefined)) {
      profiles.set(user, {
        age: Number(get("age") ?? Number.NaN),
        income: Number(get("income") ?? 0),
        region: get("region") ?? "",
        gender: parseGender(get("gender") ?? ""),
        needs: (get("needs") ?? "")
          .split(/[;|]/)
          .map((t) => t.trim())
          .filter(Boolean),
      });
    }
    const key = `${user}:${item}`;
    const previous = cells.get(key);
    const cell = { user, item, value: number > 0 ? 1 : -1, time, order: order++ };
    if (!previous || !(previous.time > time)) cells.set(key, cell);
  }
  if (usersPath) {
    const external = readMovieLensUsers(usersPath);
    userIds.forEach((id, user) => {
      const profile = external.get(id);
      if (profile) profiles.set(user, profile);
    });
  }
  return {
    dataset: buildDataset(userIds.length, itemIds.length, [...cells.values()], profiles, anyTime),
    userIds,
    itemIds,
  };
}

function buildDataset(
  users: number,
  items: number,
  cells: Array<{ user: number; item: number; value: number; time: number }>,
  profiles: Map<number, UserProfile>,
  withTime: boolean,
): Dataset {
  cells.sort((a, b) => a.user - b.user || a.item - b.item);
  const rowPtr = new Int32Array(users + 1);
  for (const cell of cells) rowPtr[cell.user + 1]++;
  for (let u = 0; u < users; u++) rowPtr[u + 1] += rowPtr[u];
  const col = new Int32Array(cells.length);
  const value = new Int8Array(cells.length);
  const time = withTime ? new Float64Array(cells.length) : undefined;
  cells.forEach((cell, i) => {
    col[i] = cell.item;
    value[i] = cell.value;
    if (time) time[i] = cell.time;
  });
  const regions: string[] = [];
  const needsVocabulary: string[] = [];
  const regionIndex = new Map<string, number>();
  const needsIndex = new Map<string, number>();
  const age = new Float32Array(users);
  const monthlyIncome = new Float32Array(users);
  const region = new Uint16Array(users);
  const gender = new Int8Array(users);
  const needsPtr = new Int32Array(users + 1);
  const needs: number[] = [];
  for (let u = 0; u < users; u++) {
    const profile = profiles.get(u);
    age[u] = profile && Number.isFinite(profile.age) ? profile.age : 0;
    monthlyIncome[u] = profile && Number.isFinite(profile.income) ? profile.income : 0;
    gender[u] = profile?.gender ?? GENDER_UNKNOWN;
    const regionName = profile?.region ?? "";
    let r = regionIndex.get(regionName);
    if (r === undefined) {
      r = regions.length;
      regionIndex.set(regionName, r);
      regions.push(regionName);
    }
    region[u] = r;
    for (const tag of new Set(profile?.needs ?? [])) {
      let t = needsIndex.get(tag);
      if (t === undefined) {
        t = needsVocabulary.length;
        needsIndex.set(tag, t);
        needsVocabulary.push(tag);
      }
      needs.push(t);
    }
    needsPtr[u + 1] = needs.length;
  }
  return {
    nServices: items,
    regions,
    needsVocabulary,
    clients: {
      count: users,
      age,
      monthlyIncome,
      region,
      gender,
      needsPtr,
      needsIdx: Uint16Array.from(needs),
    },
    interactions: { rowPtr, col, value, time },
  };
}

/**
 * Reads business links `from,to,weight` (service codes as in the catalogue — the item ids of an
 * interaction file — and a weight in (0, 1]); a header line naming from / to / weight is optional.
 * A link given twice keeps its last weight.
 * @throws InputFileError naming the file and line of the first problem.
 */
export function loadLinksFile(
  path: string,
  codes: readonly string[],
): Array<{ from: number; to: number; weight: number }> {
  const index = new Map<string, number>();
  for (let i = 0; i < codes.length; i++) index.set(codes[i], i);
  const links = new Map<string, { from: number; to: number; weight: number }>();
  const lines = readText(path, "utf8").split(/\r?\n/);
  lines.forEach((line, lineNo) => {
    if (!line.trim()) return;
    const separator = line.includes("\t") ? "\t" : ",";
    const fields = splitLine(line, separator);
    const where = `${path}:${lineNo + 1}`;
    if (links.size === 0 && fields[0]?.toLowerCase() === "from") return;
    if (fields.length < 3) throw new InputFileError(`${where}: expected from,to,weight`);
    const from = index.get(fields[0]);
    const to = index.get(fields[1]);
    if (from === undefined) throw new InputFileError(`${where}: unknown service "${fields[0]}"`);
    if (to === undefined) throw new InputFileError(`${where}: unknown service "${fields[1]}"`);
    if (from === to) throw new InputFileError(`${where}: a link needs two different services`);
    const weight = Number(fields[2]);
    if (!(weight > 0 && weight <= 1)) throw new InputFileError(`${where}: weight "${fields[2]}" must be in (0, 1]`);
    links.set(`${from}:${to}`, { from, to, weight });
  });
  return [...links.values()];
}
