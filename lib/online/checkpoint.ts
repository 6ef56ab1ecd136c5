/**
 * Model checkpoints in Deno KV. A model's JSON is larger than one KV value (64 KiB) and may be
 * larger than one atomic commit (800 KiB), so it is written as a new generation of parts under
 * `["model", name, gen, i]` over as many commits as needed, and only then does one commit point
 * the meta value `["model", name]` at it: a reader sees the old checkpoint or the new one,
 * never a mix. The previous generation's parts are deleted afterwards.
 */
import { keys } from "../../actors/keys.ts";
import { retryLocked } from "../../actors/store.ts";

/** Characters per part: one-byte strings of this size stay well under KV's 64 KiB value limit. */
const PART_CHARS = 30_000;
/** Parts per commit: 15 x 30 000 characters stays under the 800 KiB commit limit. */
const PARTS_PER_COMMIT = 15;

interface Meta {
  gen: number;
  parts: number;
  savedAt: number;
  chars: number;
}

/** Save `value` (any JSON) as checkpoint `name`. Returns the number of characters written. */
export async function saveCheckpoint(kv: Deno.Kv, name: string, value: unknown, at: number): Promise<number> {
  const json = JSON.stringify(value);
  const parts = Math.max(1, Math.ceil(json.length / PART_CHARS));
  const old = await retryLocked(() => kv.get<Meta>(keys.model(name)));
  const gen = (old.value?.gen ?? 0) + 1;
  for (let i = 0; i < parts; i += PARTS_PER_COMMIT) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(parts, i + PARTS_PER_COMMIT); j++) {
      op.set(keys.modelPart(name, gen, j), json.slice(j * PART_CHARS, (j + 1) * PART_CHARS));
    }
    await retryLocked(() => op.commit());
  }
  // The switch: only if nobody else switched meanwhile (two instances checkpointing at once).
  const meta: Meta = { gen, parts, savedAt: at, chars: json.length };
  const r = await retryLocked(() => kv.atomic().check(old).set(keys.model(name), meta).commit());
  const stale = r.ok ? old.value : meta;
  if (stale) await deleteParts(kv, name, stale.gen, stale.parts);
  if (!r.ok) throw new Error(`Cannot save checkpoint "${name}": another writer saved it at the same time`);
  return json.length;
}

async function deleteParts(kv: Deno.Kv, name: string, gen: number, parts: number): Promise<void> {
  for (let i = 0; i < parts; i += 100) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(parts, i + 100); j++) op.delete(keys.modelPart(name, gen, j));
    await retryLocked(() => op.commit());
  }
}

/** Load checkpoint `name`, or null when there is none (or it is incomplete). */
export async function loadCheckpoint<T>(
  kv: Deno.Kv,
  name: string,
): Promise<{ value: T; savedAt: number } | null> {
  const meta = (await retryLocked(() => kv.get<Meta>(keys.model(name)))).value;
  if (!meta) return null;
  const chunks: string[] = [];
  for (let i = 0; i < meta.parts; i += 10) {
    const ks: Deno.KvKey[] = [];
    for (let j = i; j < Math.min(meta.parts, i + 10); j++) ks.push(keys.modelPart(name, meta.gen, j));
    const got = await retryLocked(() => kv.getMany<string[]>(ks));
    for (const g of got) {
      if (typeof g.value !== "string") return null;
      chunks.push(g.value);
    }
  }
  const json = chunks.join("");
  if (json.length !== meta.chars) return null;
  return { value: JSON.parse(json) as T, savedAt: meta.savedAt };
}
