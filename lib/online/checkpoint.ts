/**
 * Model checkpoints in Deno KV. A model's JSON is larger than one KV value (64 KiB), so it is
 * written in parts under `["model", name, i]` with a meta value under `["model", name]`, all
 * in one atomic commit: a reader sees the old checkpoint or the new one, never a mix.
 */
import { keys } from "../../actors/keys.ts";
import { retryLocked } from "../../actors/store.ts";

/** Characters per part: UTF-16 strings of this size stay under KV's 64 KiB value limit. */
const PART_CHARS = 30_000;

interface Meta {
  parts: number;
  savedAt: number;
  chars: number;
}

/** Save `value` (any JSON) as checkpoint `name`. Returns the number of characters written. */
export async function saveCheckpoint(kv: Deno.Kv, name: string, value: unknown, at: number): Promise<number> {
  const json = JSON.stringify(value);
  const parts = Math.max(1, Math.ceil(json.length / PART_CHARS));
  const old = (await retryLocked(() => kv.get<Meta>(keys.model(name)))).value;
  const op = kv.atomic();
  for (let i = 0; i < parts; i++) {
    op.set(keys.modelPart(name, i), json.slice(i * PART_CHARS, (i + 1) * PART_CHARS));
  }
  for (let i = parts; i < (old?.parts ?? 0); i++) op.delete(keys.modelPart(name, i));
  op.set(keys.model(name), { parts, savedAt: at, chars: json.length } satisfies Meta);
  const r = await retryLocked(() => op.commit());
  if (!r.ok) throw new Error(`Cannot save checkpoint "${name}": commit failed`);
  return json.length;
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
    for (let j = i; j < Math.min(meta.parts, i + 10); j++) ks.push(keys.modelPart(name, j));
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
