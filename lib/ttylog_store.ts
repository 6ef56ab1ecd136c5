/**
 * Cowrie TTY logs in KV, by SHA-256 of their bytes (Cowrie 2.x names the file after it and
 * puts it in `cowrie.log.closed` as `shasum`). The bytes go in parts of up to 60 KB (a KV value
 * holds 64 KiB), a few parts per commit, and the meta record last: a log whose meta exists is
 * complete. Storing the same log twice is a no-op, so collectors may resend freely.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { NormalisedEvent } from "./schema.ts";
import type { ReplayLine } from "./session_replay.ts";
import { parseTtylog, ttylogLines, ttylogSummary } from "./ttylog.ts";

export { sha256Hex } from "./sha256.ts";

/** Largest TTY log taken; a bigger one is refused (413) and the collector says so. */
export const MAX_TTYLOG_BYTES = 8 * 1024 * 1024;
const PART_BYTES = 60_000;
const PARTS_PER_COMMIT = 8;

/** What is known about a stored log. */
export interface TtylogMeta {
  sha256: string;
  size: number;
  parts: number;
  sensor: string;
  /** Cowrie session id and source IP, when the uploader said. */
  session?: string;
  ip?: string;
  /** Epoch ms of the log's first record. */
  start: number;
  durationMs: number;
  /** Epoch ms when stored (server clock); the retention sweep decides on it. */
  storedAt: number;
}

export const SHA256_RE = /^[0-9a-f]{64}$/;

/** Stores a log; returns false when it was already stored. */
export async function putTtylog(
  kv: Deno.Kv,
  bytes: Uint8Array,
  meta: Omit<TtylogMeta, "size" | "parts">,
): Promise<boolean> {
  const existing = await retryLocked(() => kv.get<TtylogMeta>(keys.ttylogMeta(meta.sha256)));
  if (existing.value) return false;
  const parts = Math.max(1, Math.ceil(bytes.length / PART_BYTES));
  for (let first = 0; first < parts; first += PARTS_PER_COMMIT) {
    const op = kv.atomic();
    for (let i = first; i < Math.min(parts, first + PARTS_PER_COMMIT); i++) {
      op.set(keys.ttylogPart(meta.sha256, i), bytes.slice(i * PART_BYTES, (i + 1) * PART_BYTES));
    }
    await retryLocked(() => op.commit());
  }
  // Written once: a concurrent upload of the same bytes wrote the same parts, and whichever
  // meta commit comes second finds the first and reports a duplicate.
  const full: TtylogMeta = { ...meta, size: bytes.length, parts };
  const res = await retryLocked(() =>
    kv.atomic().check({ key: keys.ttylogMeta(meta.sha256), versionstamp: null })
      .set(keys.ttylogMeta(meta.sha256), full).commit()
  );
  return res.ok;
}

export async function ttylogMeta(kv: Deno.Kv, sha256: string): Promise<TtylogMeta | null> {
  return (await retryLocked(() => kv.get<TtylogMeta>(keys.ttylogMeta(sha256)))).value;
}

/** The metas of those of `shas` that are stored. */
export async function ttylogMetas(kv: Deno.Kv, shas: readonly string[]): Promise<Map<string, TtylogMeta>> {
  const out = new Map<string, TtylogMeta>();
  const uniq = [...new Set(shas)].filter((s) => SHA256_RE.test(s));
  for (let i = 0; i < uniq.length; i += 10) {
    const got = await retryLocked(() => kv.getMany<TtylogMeta[]>(uniq.slice(i, i + 10).map(keys.ttylogMeta)));
    for (const e of got) if (e.value) out.set(e.value.sha256, e.value);
  }
  return out;
}

/** A stored log's bytes (pass its meta when already read), or null. */
export async function getTtylog(
  kv: Deno.Kv,
  sha256: string,
  known?: TtylogMeta,
): Promise<Uint8Array | null> {
  const meta = known ?? await ttylogMeta(kv, sha256);
  if (!meta) return null;
  const out = new Uint8Array(meta.size);
  let at = 0;
  for await (const e of kv.list<Uint8Array>({ prefix: keys.ttylogParts(sha256) })) {
    out.set(e.value, at);
    at += e.value.length;
  }
  return at === meta.size ? out : null;
}

/** The keys of one stored log (for the retention sweep). */
export function ttylogKeys(meta: TtylogMeta): Deno.KvKey[] {
  const out: Deno.KvKey[] = [];
  for (let i = 0; i < meta.parts; i++) out.push(keys.ttylogPart(meta.sha256, i));
  out.push(keys.ttylogMeta(meta.sha256));
  return out;
}

/** A session's TTY log, ready to replay. */
export interface SessionTtylog {
  sha256: string;
  durationMs: number;
  lines: ReplayLine[];
}

/**
 * The stored TTY logs of the sessions among `events` (found through their `log_closed`
 * events' SHA-256), by session id, each cut to `maxLines` lines. Pages pass `maxBytes` so that
 * a few huge logs do not make them slow (`GET /api/ttylogs/:sha256` serves any size).
 */
export async function sessionTtylogs(
  kv: Deno.Kv,
  events: readonly NormalisedEvent[],
  maxLines = 1000,
  maxBytes = MAX_TTYLOG_BYTES,
): Promise<Map<string, SessionTtylog>> {
  const bySha = new Map<string, string>();
  for (const e of events) {
    if (e.kind === "log_closed" && e.session !== undefined && e.sha256 && SHA256_RE.test(e.sha256)) {
      bySha.set(e.sha256, e.session);
    }
  }
  const out = new Map<string, SessionTtylog>();
  if (bySha.size === 0) return out;
  const metas = await ttylogMetas(kv, [...bySha.keys()]);
  for (const [sha, session] of bySha) {
    const meta = metas.get(sha);
    if (!meta || meta.size > maxBytes || out.has(session)) continue;
    const bytes = await getTtylog(kv, sha, meta);
    const parsed = bytes ? parseTtylog(bytes) : null;
    if (!parsed?.ok) continue;
    out.set(session, {
      sha256: sha,
      durationMs: ttylogSummary(parsed.records).durationMs,
      lines: ttylogLines(parsed.records, maxLines),
    });
  }
  return out;
}
