/**
 * A Bloom filter of the source IPs that have an actor in KV. Activating an actor for an IP
 * the filter has never seen needs no KV read: most IPs on a honeypot are one-off scanners,
 * and a read per new IP was the largest cost of ingest.
 *
 * A false "maybe" costs one read. A missed IP (written by another instance, or after the
 * filter was last saved) is treated as new; its flush then fails the versionstamp check
 * (null expected) and the actor system re-reads it and re-applies its delta, so counts stay
 * exact (DESIGN section 4's merge rule).
 */
import { listLocked } from "../lib/list_locked.ts";
import { retryLocked } from "./store.ts";

/** Bits per filter: 2^23 bits = 1 MiB holds ~700k IPs at ~1% false positives with 7 hashes. */
const DEFAULT_BITS = 1 << 23;
const HASHES = 7;

export class KnownIps {
  readonly bits: Uint8Array;
  readonly size: number;
  #added = 0;
  #dirty = false;

  constructor(size = DEFAULT_BITS, bits?: Uint8Array) {
    this.size = size;
    this.bits = bits ?? new Uint8Array(size >>> 3);
  }

  /** Two 32-bit FNV-1a variants; the k positions are h1 + i*h2 (Kirsch-Mitzenmacher). */
  #positions(ip: string, each: (bit: number) => boolean | void): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ 0x5bd1e995;
    for (let i = 0; i < ip.length; i++) {
      const c = ip.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h2 |= 1;
    for (let i = 0; i < HASHES; i++) {
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) % this.size;
      if (each(bit) === false) return false;
    }
    return true;
  }

  add(ip: string): void {
    this.#positions(ip, (b) => {
      this.bits[b >>> 3] |= 1 << (b & 7);
    });
    this.#added++;
    this.#dirty = true;
  }

  /** False: certainly never added. True: probably added. */
  has(ip: string): boolean {
    return this.#positions(ip, (b) => (this.bits[b >>> 3] & (1 << (b & 7))) !== 0);
  }

  /** Additions since start (not distinct). */
  get added(): number {
    return this.#added;
  }

  /** Changed since the last `markSaved()`. */
  get dirty(): boolean {
    return this.#dirty;
  }

  markSaved(): void {
    this.#dirty = false;
  }

  /** OR another filter of the same size in (e.g. the copy saved by another instance). */
  merge(other: Uint8Array): void {
    const n = Math.min(other.length, this.bits.length);
    for (let i = 0; i < n; i++) this.bits[i] |= other[i];
  }
}

/** KV stores values up to 64 KiB: the filter is saved in chunks of this many bytes. */
const CHUNK = 60_000;

/** Save the filter under `prefix` (merged with what is stored, so instances share one filter). */
export async function saveKnown(kv: Deno.Kv, prefix: Deno.KvKey, k: KnownIps): Promise<void> {
  const stored = await loadBits(kv, prefix, k.bits.length);
  if (stored) k.merge(stored);
  const chunks = Math.ceil(k.bits.length / CHUNK);
  for (let i = 0; i < chunks; i += 10) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(chunks, i + 10); j++) {
      op.set([...prefix, j], k.bits.subarray(j * CHUNK, (j + 1) * CHUNK));
    }
    await retryLocked(() => op.commit());
  }
  k.markSaved();
}

/** Load a saved filter, or an empty one. */
export async function loadKnown(kv: Deno.Kv, prefix: Deno.KvKey, size = DEFAULT_BITS): Promise<KnownIps> {
  const bits = await loadBits(kv, prefix, size >>> 3);
  return new KnownIps(size, bits ?? undefined);
}

async function loadBits(kv: Deno.Kv, prefix: Deno.KvKey, length: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(length);
  let any = false;
  for await (const e of listLocked<Uint8Array>(kv, { prefix })) {
    const j = e.key[prefix.length] as number;
    if (e.value instanceof Uint8Array && j * CHUNK < length) {
      out.set(e.value.subarray(0, Math.min(e.value.length, length - j * CHUNK)), j * CHUNK);
      any = true;
    }
  }
  return any ? out : null;
}
