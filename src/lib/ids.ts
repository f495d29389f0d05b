/** Crockford base32, lowercase. */
export const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const ALPHABET = ID_ALPHABET;

/** Random base32 string of `length` characters (5 bits of entropy each). */
export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** A new prefixed id such as `co_8f3k…` (100 bits of randomness). */
export function newId(
  prefix: "co" | "svc" | "cl" | "ld" | "dl" | "key" | "exp" | "bp" | "bc" | "bo" | "rw" | "ses" | "cmp" | "url",
): string {
  return `${prefix}_${randomToken(20)}`;
}
