/**
 * MurmurHash3 (x86, 32-bit) over UTF-8: the stable hash behind experiment assignment and every
 * other "same input, same bucket" decision (samples, shard choice). Pure and allocation-free.
 */

const MURMUR_C1 = 0xcc9e2d51;
const MURMUR_C2 = 0x1b873593;

/**
 * Incremental MurmurHash3_x86_32 (Austin Appleby, public domain) that takes bytes or strings (as
 * their UTF-8 encoding, exactly what `TextEncoder` produces, lone surrogates becoming U+FFFD)
 * without allocating. Results equal the reference implementation on the concatenated bytes.
 */
class Murmur3Hasher {
  private hash = 0;
  /** Up to three pending bytes of the current 4-byte block, little-endian. */
  private pending = 0;
  private pendingLength = 0;
  private length = 0;

  reset(seed: number): this {
    this.hash = seed | 0;
    this.pending = 0;
    this.pendingLength = 0;
    this.length = 0;
    return this;
  }

  updateByte(byte: number): void {
    this.pending |= (byte & 0xff) << (8 * this.pendingLength);
    this.length++;
    if (++this.pendingLength === 4) {
      let h = this.hash ^ scrambleBlock(this.pending);
      h = (h << 13) | (h >>> 19);
      this.hash = (Math.imul(h, 5) + 0xe6546b64) | 0;
      this.pending = 0;
      this.pendingLength = 0;
    }
  }

  updateBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.updateByte(bytes[i]);
  }

  /** Feeds the UTF-8 encoding of `text`. */
  updateUtf8(text: string): void {
    const length = text.length;
    for (let i = 0; i < length; i++) {
      let codePoint = text.charCodeAt(i);
      if (codePoint < 0x80) {
        this.updateByte(codePoint);
        continue;
      }
      if (codePoint < 0x800) {
        this.updateByte(0xc0 | (codePoint >> 6));
        this.updateByte(0x80 | (codePoint & 0x3f));
        continue;
      }
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
        const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
        if (codePoint <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (next - 0xdc00);
          i++;
          this.updateByte(0xf0 | (codePoint >> 18));
          this.updateByte(0x80 | ((codePoint >> 12) & 0x3f));
          this.updateByte(0x80 | ((codePoint >> 6) & 0x3f));
          this.updateByte(0x80 | (codePoint & 0x3f));
          continue;
        }
        codePoint = 0xfffd;
      }
      this.updateByte(0xe0 | (codePoint >> 12));
      this.updateByte(0x80 | ((codePoint >> 6) & 0x3f));
      this.updateByte(0x80 | (codePoint & 0x3f));
    }
  }

  /** The unsigned 32-bit hash of everything fed since the last reset. */
  digest(): number {
    let h = this.hash;
    if (this.pendingLength > 0) h ^= scrambleBlock(this.pending);
    h ^= this.length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

function scrambleBlock(block: number): number {
  let k = Math.imul(block, MURMUR_C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, MURMUR_C2);
}

// Hashing is synchronous, so one shared hasher can never be used by two callers at once.
const sharedHasher = new Murmur3Hasher();

/** MurmurHash3_x86_32 of `bytes` with `seed`, as an unsigned 32-bit integer. */
export function murmurHash3(bytes: Uint8Array, seed = 0): number {
  sharedHasher.reset(seed).updateBytes(bytes);
  return sharedHasher.digest();
}

/** MurmurHash3_x86_32 of the UTF-8 encoding of `text`, without allocating the encoded bytes. */
export function murmurHash3Utf8(text: string, seed = 0): number {
  sharedHasher.reset(seed).updateUtf8(text);
  return sharedHasher.digest();
}

/**
 * MurmurHash3_x86_32 (seed 0) of the UTF-8 bytes of `first + "\u0000" + second`: a stable key for
 * a pair of ids, which never contain NUL, so the separator keeps the key unambiguous.
 */
export function murmurHash3Pair(first: string, second: string): number {
  sharedHasher.reset(0);
  sharedHasher.updateUtf8(first);
  sharedHasher.updateByte(0);
  sharedHasher.updateUtf8(second);
  return sharedHasher.digest();
}
