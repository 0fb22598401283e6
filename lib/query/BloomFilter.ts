/**
 * A set of strings that answers "maybe seen" or "surely not seen" in a fixed
 * number of bits (FNV-1a and a second mix for double hashing, four probes).
 * The local store uses it to find the ids with more than one message without
 * keeping every id in memory.
 */
export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  /** Sized for about `expected` strings (16 bits each), between 64 Kibit and 128 Mibit (16 MiB). */
  constructor(expected: number) {
    let n = 1 << 16;
    while (n < expected * 16 && n < 1 << 27) n *= 2;
    this.bits = new Uint32Array(n >>> 5);
    this.mask = n - 1;
  }

  /** Adds `s` (in the namespace `salt`); returns true when it may have been added before. */
  add(s: string, salt = 0): boolean {
    let h1 = Math.imul(0x811c9dc5 ^ salt, 0x01000193);
    let h2 = 0x9e3779b9 ^ salt;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h2 |= 1;
    let seen = true;
    for (let k = 0; k < 4; k++) {
      const bit = (h1 + Math.imul(k, h2)) & this.mask;
      const word = bit >>> 5;
      const m = 1 << (bit & 31);
      if ((this.bits[word]! & m) === 0) {
        seen = false;
        this.bits[word] = this.bits[word]! | m;
      }
    }
    return seen;
  }
}
