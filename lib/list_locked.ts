/** `kv.list` that rides out SQLite's "database is locked" (several processes on one KV file). */
import { retryLocked } from "../actors/store.ts";

/**
 * Iterate `kv.list(selector, options)`, retrying each page read that SQLite refuses with
 * "database is locked" (a list iterator keeps its place when a read fails).
 *
 * @example
 * for await (const e of listLocked<PendingBatch>(kv, { prefix: keys.pendingPrefix() })) use(e);
 */
export async function* listLocked<T>(
  kv: Deno.Kv,
  selector: Deno.KvListSelector,
  options?: Deno.KvListOptions,
): AsyncGenerator<Deno.KvEntry<T>> {
  const iter = kv.list<T>(selector, options);
  for (;;) {
    const r = await retryLocked(() => iter.next());
    if (r.done) return;
    yield r.value;
  }
}
