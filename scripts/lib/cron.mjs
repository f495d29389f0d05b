/**
 * The cron triggers of wrangler.toml and a matcher for the five-field expressions they use, so that
 * `npm run dev` can fire them locally on the schedule Cloudflare would (wrangler dev does not).
 * Supports `*`, `*\/n`, `a`, `a-b`, `a-b/n` and comma lists; the day-of-month / day-of-week "or"
 * rule of classic cron applies when both are restricted. Times are UTC, like Cloudflare's.
 */
import { readFileSync } from "node:fs";

/**
 * The `crons = [...]` list of the `[triggers]` table.
 * @param {string} wranglerTomlPath
 * @returns {string[]}
 */
export function readCronTriggers(wranglerTomlPath) {
  const text = readFileSync(wranglerTomlPath, "utf8");
  const section = /^\[triggers\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text);
  if (!section) return [];
  const list = /^\s*crons\s*=\s*\[([^\]]*)\]/m.exec(section[1]);
  if (!list) return [];
  return [...list[1].matchAll(/"([^"]*)"/g)].map((match) => match[1]);
}

/**
 * @param {string} field
 * @param {number} value
 * @param {number} min
 * @param {number} max
 */
function fieldMatches(field, value, min, max) {
  return field.split(",").some((part) => {
    const [range, rawStep] = part.split("/");
    const step = rawStep === undefined ? 1 : Number(rawStep);
    let from = min;
    let to = max;
    if (range !== "*") {
      const [a, b] = range.split("-");
      from = Number(a);
      to = b === undefined ? (rawStep === undefined ? from : max) : Number(b);
    }
    if (![from, to, step].every(Number.isInteger) || step < 1) {
      throw new Error(`Unsupported cron field "${field}"`);
    }
    return value >= from && value <= to && (value - from) % step === 0;
  });
}

/**
 * True when the five-field cron expression fires at the given minute (UTC).
 * @param {string} expression
 * @param {Date} at
 */
export function cronMatches(expression, at) {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`Unsupported cron expression "${expression}"`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const weekday = at.getUTCDay();
  const dayOfMonthMatches = fieldMatches(dayOfMonth, at.getUTCDate(), 1, 31);
  // Sunday is 0 or 7.
  const dayOfWeekMatches =
    fieldMatches(dayOfWeek, weekday, 0, 7) || (weekday === 0 && fieldMatches(dayOfWeek, 7, 0, 7));
  const dayMatches =
    dayOfMonth !== "*" && dayOfWeek !== "*"
      ? dayOfMonthMatches || dayOfWeekMatches
      : dayOfMonthMatches && dayOfWeekMatches;
  return (
    fieldMatches(minute, at.getUTCMinutes(), 0, 59) &&
    fieldMatches(hour, at.getUTCHours(), 0, 23) &&
    fieldMatches(month, at.getUTCMonth() + 1, 1, 12) &&
    dayMatches
  );
}
