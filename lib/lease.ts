/**
 * Leases in Deno KV: one instance among several on the same KV runs a shared periodic job
 * (the retention sweep, model checkpoints), the others skip it while the lease runs. A holder
 * that stops (or dies) loses it after `ttlMs`, and another takes it over.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";

interface Lease {
  holder: string;
  at: number;
  ttlMs: number;
}

/**
 * Take or renew lease `name` for `holder` at `now`. False while another holder's lease runs
 * (or when another instance took it in the same instant).
 *
 * @example
 * if (await holdLease(kv, "sweep", instance, 1.5 * sweepMs, clock.now())) await sweep();
 */
export async function holdLease(
  kv: Deno.Kv,
  name: string,
  holder: string,
  ttlMs: number,
  now: number,
): Promise<boolean> {
  const key = keys.lease(name);
  const cur = await retryLocked(() => kv.get<Lease>(key));
  const v = cur.value;
  if (v && v.holder !== holder && now - v.at < v.ttlMs) return false;
  const lease: Lease = { holder, at: now, ttlMs };
  // Local KV deletes expired keys only about every 60 s: `at` and `ttlMs` decide, expireIn cleans up.
  const res = await retryLocked(() =>
    kv.atomic().check(cur).set(key, lease, { expireIn: 2 * ttlMs }).commit()
  );
  return res.ok;
}

/** Give lease `name` up if `holder` has it (clean stop), so another instance takes it at once. */
export async function releaseLease(kv: Deno.Kv, name: string, holder: string): Promise<void> {
  const key = keys.lease(name);
  const cur = await retryLocked(() => kv.get<Lease>(key));
  if (cur.value?.holder !== holder) return;
  await retryLocked(() => kv.atomic().check(cur).delete(key).commit());
}
