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
  // Lengths are not secret (a key's format gives them away); the contents are compared in full.
  // UTF-16 code units, not encoded bytes: equal strings have equal units, and every request with a
  // key runs this, so it allocates nothing.
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
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

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** HMAC-SHA-256 under a purpose key derived from the root secret, as base64url of the first `bytes` bytes. */
export async function derivedMacBase64Url(rootKey: string, purpose: string, message: string, bytes: number) {
  const purposeKey = await hmacSha256Hex(rootKey, `${purpose}-key`);
  const key = await importHmacKey(purposeKey);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return base64Url(mac.subarray(0, bytes));
}

/**
 * The lookup key of a Telegram user id: HMAC-SHA-256 under a key derived from PSEUDONYM_KEY, so the
 * id itself is never stored and the hash means nothing without the secret.
 */
export async function telegramIdHash(rootKey: string, telegramUserId: number): Promise<string> {
  const key = await hmacSha256Hex(rootKey, "telegram-user-key");
  return hmacSha256Hex(key, String(telegramUserId));
}

const aesKeys = new Map<string, Promise<CryptoKey>>();

/** AES-256-GCM key from a secret of any form: SHA-256 of the secret is the key material. */
function importAesKey(secret: string): Promise<CryptoKey> {
  let key = aesKeys.get(secret);
  if (!key) {
    key = crypto.subtle
      .digest("SHA-256", encoder.encode(secret))
      .then((raw) => crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]));
    aesKeys.set(secret, key);
  }
  return key;
}

/** AES-GCM with a random 96-bit iv: base64url of iv ‖ ciphertext (with its tag). */
export async function encryptText(secret: string, plain: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cipher = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await importAesKey(secret), encoder.encode(plain)),
  );
  const out = new Uint8Array(iv.length + cipher.length);
  out.set(iv);
  out.set(cipher, iv.length);
  return base64Url(out);
}

/** Inverse of `encryptText`; throws when the text was not made under this secret. */
export async function decryptText(secret: string, sealed: string): Promise<string> {
  const bytes = fromBase64Url(sealed);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.subarray(0, 12) },
    await importAesKey(secret),
    bytes.subarray(12),
  );
  return new TextDecoder().decode(plain);
}
