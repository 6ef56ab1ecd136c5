/**
 * MinHash signatures over string sets, for estimating Jaccard similarity of credential lists
 * without keeping the lists (Broder 1997). A signature is updated one element at a time, so an
 * IP's signature follows its tried credentials in constant memory.
 */

/** FNV-1a over the UTF-16 code units of `s`, 32 bits. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit avalanche mix (murmur3's finaliser) of `x` under seed `seed`. */
function mix(x: number, seed: number): number {
  let h = (x ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Per-row seeds, fixed so signatures are comparable across runs and instances. */
function seeds(k: number): Uint32Array {
  const out = new Uint32Array(k);
  let x = 0x9e3779b9;
  for (let i = 0; i < k; i++) {
    x = mix(x + i, 0x7f4a7c15);
    out[i] = x;
  }
  return out;
}

/**
 * A MinHash family of `k` hash functions.
 *
 * @example
 * const mh = new MinHash(64);
 * const a = mh.empty(), b = mh.empty();
 * for (const c of ["root:root", "admin:admin"]) mh.add(a, c);
 * for (const c of ["root:root", "pi:raspberry"]) mh.add(b, c);
 * mh.similarity(a, b); // ≈ 1/3
 */
export class MinHash {
  readonly k: number;
  readonly #seeds: Uint32Array;

  constructor(k = 64) {
    if (!Number.isInteger(k) || k < 1 || k > 1024) {
      throw new RangeError(`Cannot create MinHash: k is ${k}, must be an integer from 1 to 1024`);
    }
    this.k = k;
    this.#seeds = seeds(k);
  }

  /** The signature of the empty set (every row at the maximum). */
  empty(): Uint32Array {
    return new Uint32Array(this.k).fill(0xffffffff);
  }

  /** Add `item` to the set `sig` stands for; true when the signature changed. */
  add(sig: Uint32Array, item: string): boolean {
    const h = fnv1a(item);
    let changed = false;
    for (let i = 0; i < this.k; i++) {
      const v = mix(h, this.#seeds[i]);
      if (v < sig[i]) {
        sig[i] = v;
        changed = true;
      }
    }
    return changed;
  }

  /** Estimated Jaccard similarity: the share of rows where the two minima agree. */
  similarity(a: Uint32Array, b: Uint32Array): number {
    let same = 0;
    let rows = 0;
    for (let i = 0; i < this.k; i++) {
      if (a[i] === 0xffffffff && b[i] === 0xffffffff) continue;
      rows++;
      if (a[i] === b[i]) same++;
    }
    return rows === 0 ? 0 : same / this.k;
  }

  /**
   * Locality-sensitive band keys: `bands` 32-bit hashes, each of `k / bands` rows (and the band
   * index). Two sets share a band key with probability about 1 - (1 - J^r)^b, so similar sets
   * meet in a bucket; numbers, not strings, keep the index small.
   */
  bandKeys(sig: Uint32Array, bands: number): Uint32Array {
    const r = Math.floor(this.k / bands);
    const out = new Uint32Array(bands);
    for (let b = 0; b < bands; b++) {
      let h = mix(b + 1, 0x2545f491);
      for (let i = b * r; i < (b + 1) * r; i++) h = mix(h ^ sig[i], 0x6a09e667 + i);
      out[b] = h;
    }
    return out;
  }
}
