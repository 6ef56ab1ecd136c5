/** Streamed exports: values from a KV range written as CSV or NDJSON, page by page. */
import { retryLocked } from "../../actors/store.ts";
import { csvRow } from "./csv.ts";

/** Export formats. */
export type ExportFormat = "csv" | "ndjson";

export interface ExportSource<T> {
  kv: Deno.Kv;
  /** A KV range of values, or `rows` (already in order). */
  selector?: Deno.KvListSelector;
  rows?: AsyncIterator<T>;
  filter?: (v: T) => boolean;
  /** At most this many rows. */
  limit: number;
}

/** CSV columns: header name and how to get the cell from a value. */
export type Columns<T> = readonly (readonly [string, (v: T) => unknown])[];

/**
 * A byte stream of the range's values (or the rows), newest first, as CSV (header first) or NDJSON.
 * KV is read lazily as the client consumes, so memory stays flat for any size; cancelling
 * the response stops the read.
 */
export function exportStream<T>(
  src: ExportSource<T>,
  format: ExportFormat,
  columns: Columns<T>,
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const list = src.selector ? src.kv.list<T>(src.selector, { reverse: true, batchSize: 500 }) : null;
  const next = async (): Promise<IteratorResult<T>> => {
    if (!list) return src.rows ? await src.rows.next() : { done: true, value: undefined };
    const r = await retryLocked(() => list.next());
    return r.done ? r : { done: false, value: r.value.value };
  };
  let sent = 0;
  let headerDone = format !== "csv";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk = "";
      if (!headerDone) {
        chunk += csvRow(columns.map(([name]) => name));
        headerDone = true;
      }
      // Gather up to ~200 rows per enqueue: fewer, larger writes.
      for (let n = 0; n < 200 && sent < src.limit; n++) {
        const r = await next();
        if (r.done) {
          sent = src.limit;
          break;
        }
        const v = r.value;
        if (src.filter && !src.filter(v)) {
          n--;
          continue;
        }
        chunk += format === "csv" ? csvRow(columns.map(([, get]) => get(v))) : JSON.stringify(v) + "\n";
        sent++;
      }
      if (chunk) controller.enqueue(enc.encode(chunk));
      if (sent >= src.limit) controller.close();
    },
  });
}
