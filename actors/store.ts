/** Deno KV access for actor state. Only this module and `system.ts` touch actor keys. */
import type { ActorState } from "./actor.ts";
import { keys } from "./keys.ts";

/** A stored actor with the versionstamp it was read at (null: not in KV). */
export interface Stored {
  state: ActorState | null;
  versionstamp: string | null;
}

/** KV's getMany takes at most 10 keys. */
const GET_MANY = 10;

/** Read actors by IP; expired ones (past `ttlMs` since saved) read as absent but keep their versionstamp. */
export async function readActors(
  kv: Deno.Kv,
  ips: readonly string[],
  nowMs: number,
  ttlMs: number,
): Promise<Map<string, Stored>> {
  const out = new Map<string, Stored>();
  const chunks: string[][] = [];
  for (let i = 0; i < ips.length; i += GET_MANY) chunks.push(ips.slice(i, i + GET_MANY));
  // A few reads in flight at once; each is one SQLite transaction.
  for (let i = 0; i < chunks.length; i += 8) {
    const results = await Promise.all(
      chunks.slice(i, i + 8).map((c) => retryLocked(() => kv.getMany<StoredValue[]>(c.map(keys.actor)))),
    );
    for (const entries of results) {
      for (const e of entries) {
        const ip = e.key[1] as string;
        const v = e.value;
        // Local KV deletes expired keys only every ~60 s: the stamp in the value decides.
        const live = v !== null && nowMs - v.savedAt <= ttlMs;
        out.set(ip, { state: live ? v.state : null, versionstamp: e.versionstamp });
      }
    }
  }
  return out;
}

/** What is stored under ["actor", ip]. */
export interface StoredValue {
  savedAt: number;
  state: ActorState;
}

/**
 * Build (not commit) the atomic write of actor states with a versionstamp check each. The
 * values are serialised now, so the states may change before the commit; an operation may
 * be committed again after a "database is locked" error.
 */
export function commitOp(
  kv: Deno.Kv,
  items: readonly { state: ActorState; versionstamp: string | null }[],
  nowMs: number,
  ttlMs: number,
): Deno.AtomicOperation {
  const op = kv.atomic();
  for (const it of items) {
    const key = keys.actor(it.state.ip);
    op.check({ key, versionstamp: it.versionstamp });
    op.set(key, { savedAt: nowMs, state: it.state } satisfies StoredValue, { expireIn: ttlMs });
  }
  return op;
}

/**
 * Run a KV operation again while SQLite answers "database is locked" (two processes on
 * one file). Other errors are thrown.
 */
export async function retryLocked<T>(fn: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !(e instanceof Error) || !/database is locked|busy/i.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, Math.min(200, 2 + i * 5) * (0.5 + Math.random())));
    }
  }
}
