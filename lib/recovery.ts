/**
 * Crash recovery. Events are durable before they are acknowledged, but actor state is
 * written behind. Each stored batch leaves a pending marker until the actors holding its
 * events are flushed; a server that starts re-applies the markers of instances that died,
 * and actors skip batches their stored marks show they already contain.
 *
 * Several instances may start at once on one KV (`deno serve --parallel` isolates, Deploy):
 * markers are listed before liveness stamps, so a sibling that wrote markers is seen alive,
 * and each dead instance is claimed (`["recovering", id]`) so only one starter re-applies it.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { Clock } from "./clock.ts";
import { clearPending, type PendingBatch, readPendingEvents } from "./event_store.ts";
import { listLocked } from "./list_locked.ts";
import { log } from "./log.ts";
import type { Pipeline } from "./pipeline.ts";

/** An instance that has not stamped its liveness for this long is taken as dead. */
export const INSTANCE_DEAD_MS = 30_000;
/** How often a live instance stamps its liveness. */
export const INSTANCE_STAMP_MS = 5_000;
/** A claim on a dead instance's batches lapses after this long (its claimant died too). */
const CLAIM_MS = 10 * 60_000;

/** Record that `instance` is alive now. */
export async function stampInstance(kv: Deno.Kv, instance: string, clock: Clock): Promise<void> {
  await retryLocked(() => kv.set(keys.instance(instance), { at: clock.now() }, { expireIn: 3_600_000 }));
}

/** Remove this instance's liveness stamp (clean shutdown). */
export async function dropInstance(kv: Deno.Kv, instance: string): Promise<void> {
  await retryLocked(() => kv.delete(keys.instance(instance)));
}

/**
 * Re-apply the pending batches of dead instances through `pipeline`, flush, and clear
 * their markers. Returns the number of events re-applied.
 */
export async function recoverPending(
  kv: Deno.Kv,
  pipeline: Pipeline,
  self: string,
  clock: Clock,
): Promise<number> {
  // Markers first: an instance stamps its liveness before it stores any batch, so one whose
  // markers are listed here has its stamp in the list below (a sibling starting at the same
  // time is not taken for dead).
  const dead = new Set<string>();
  for await (const e of listLocked<PendingBatch>(kv, { prefix: keys.pendingPrefix() })) {
    const inst = e.key[1] as string;
    if (inst !== self) dead.add(inst);
  }
  const now = clock.now();
  for await (const e of listLocked<{ at: number }>(kv, { prefix: keys.instancePrefix() })) {
    if (now - e.value.at < INSTANCE_DEAD_MS) dead.delete(e.key[1] as string);
  }
  let events = 0;
  for (const inst of dead) {
    if (!(await claim(kv, inst, self, now))) continue; // another starter is re-applying it
    // Read its markers again under the claim: a starter that held it before may have cleared them.
    const batches: { batch: number; p: PendingBatch }[] = [];
    for await (const e of listLocked<PendingBatch>(kv, { prefix: keys.pendingOf(inst) })) {
      batches.push({ batch: e.key[2] as number, p: e.value });
    }
    if (batches.length === 0) {
      await retryLocked(() =>
        kv.atomic().delete(keys.instance(inst)).delete(keys.recoveryClaim(inst)).commit()
      );
      continue;
    }
    batches.sort((a, b) => a.batch - b.batch);
    let ofInstance = 0;
    for (const { batch, p } of batches) {
      const evs = await readPendingEvents(kv, p);
      await pipeline.replay(evs, { instance: inst, batch });
      ofInstance += evs.length;
    }
    events += ofInstance;
    await pipeline.flush();
    await clearPending(kv, inst, batches.at(-1)!.batch);
    await retryLocked(() =>
      kv.atomic().delete(keys.instance(inst)).delete(keys.recoveryClaim(inst)).commit()
    );
    log.info("recovered unflushed batches of a stopped instance", {
      instance: inst,
      batches: batches.length,
      events,
    });
  }
  return events;
}

/** Claim a dead instance's batches for `self`; false while another instance's claim runs. */
async function claim(kv: Deno.Kv, dead: string, self: string, now: number): Promise<boolean> {
  const key = keys.recoveryClaim(dead);
  const cur = await retryLocked(() => kv.get<{ by: string; at: number }>(key));
  if (cur.value && cur.value.by !== self && now - cur.value.at < CLAIM_MS) return false;
  const res = await retryLocked(() =>
    kv.atomic().check(cur).set(key, { by: self, at: now }, { expireIn: 2 * CLAIM_MS }).commit()
  );
  return res.ok;
}
