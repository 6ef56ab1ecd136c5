/** Cursor paging over a KV range, newest first, with an in-app filter. */
import { retryLocked } from "../actors/store.ts";
import { HttpError } from "./http_error.ts";

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null when the history is exhausted. */
  cursor: string | null;
}

/**
 * Read up to `limit` values matching `filter` from `selector`, newest first, starting
 * after `cursor`. Following the returned cursor walks the whole range.
 */
export async function page<T>(
  kv: Deno.Kv,
  selector: Deno.KvListSelector,
  limit: number,
  cursor: string | undefined,
  filter: (v: T) => boolean = () => true,
): Promise<Page<T>> {
  const items: T[] = [];
  let iter: Deno.KvListIterator<T>;
  try {
    iter = kv.list<T>(selector, { reverse: true, cursor, batchSize: Math.min(500, Math.max(10, limit + 1)) });
    for (;;) {
      const r = await retryLocked(() => iter.next());
      if (r.done) return { items, cursor: null };
      if (!filter(r.value.value)) continue;
      items.push(r.value.value);
      if (items.length >= limit) break;
    }
  } catch (e) {
    if (cursor && e instanceof Error && /cursor/i.test(e.message)) {
      throw new HttpError(
        400,
        `Cannot page: cursor ${JSON.stringify(cursor)} is not one this server gave out`,
      );
    }
    throw e;
  }
  const next = iter.cursor;
  // Peek: if nothing follows, say so now instead of handing out a cursor to an empty page.
  const more = await retryLocked(() => iter.next());
  return { items, cursor: more.done ? null : next };
}
