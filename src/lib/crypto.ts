const encoder = new TextEncoder();

export function toHex(buffer: ArrayBuffer | Uint8Array): string {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const data = typeof input === "string" ? encoder.encode(input) : input;
  return toHex(await crypto.subtle.digest("SHA-256", data));
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

function importHmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await importHmacKey(secret);
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

/** Constant-time comparison of two strings (length leaks, content does not). */
export function timingSafeEqual(a: string, b: string): boolean {
  const ab = encoder.encode(a);
  const bb = encoder.encode(b);
  if (ab.length !== bb.length) return false;
  let diff = 0;
  for (let i = 0; i < ab.length; i++) diff |= ab[i] ^ bb[i];
  return diff === 0;
}

/**
 * The pseudonym of a CRM id: HMAC-SHA-256 under a per-company key derived from PSEUDONYM_KEY, so
 * the same CRM id at two companies gives unrelated hashes and the clear id is never stored.
 */
export async function pseudonymize(rootKey: string, companyId: string, externalId: string): Promise<string> {
  const companyKey = await hmacSha256Hex(rootKey, `company-pseudonym-key:${companyId}`);
  return hmacSha256Hex(companyKey, externalId);
}

/**
 * The pseudonym of a client as one receiving company sees it: HMAC-SHA-256 of the client id under
 * a per-receiver key derived from PSEUDONYM_KEY. The same client gets unrelated pseudonyms at two
 * receivers, so partners cannot join their lead streams, while one receiver can recognise repeat
 * leads for the same client.
 */
export async function receiverPseudonym(rootKey: string, targetCompanyId: string, clientId: string): Promise<string> {
  const receiverKey = await hmacSha256Hex(rootKey, `receiver-pseudonym-key:${targetCompanyId}`);
  return hmacSha256Hex(receiverKey, clientId);
}
