/**
 * Crash recovery. Events are durable before they are acknowledged, but actor state is
 * written behind. Each stored batch leaves a pending marker until the actors holding its
 * events are flushed; a server that starts re-applies the markers of instances that died,
 * and actors skip batches their stored marks show they already contain.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { Clock } from "./clock.ts";
import { clearPending, type PendingBatch, readPendingEvents } from "./event_store.ts";
import { log } from "./log.ts";
import type { Pipeline } from "./pipeline.ts";

/** An instance that has not stamped its liveness for this long is taken as dead. */
export const INSTANCE_DEAD_MS = 30_000;
/** How often a live instance stamps its liveness. */
export const INSTANCE_STAMP_MS = 5_000;

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
  const now = clock.now();
  const alive = new Set<string>([self]);
  for await (const e of kv.list<{ at: number }>({ prefix: ["instance"] })) {
    if (now - e.value.at < INSTANCE_DEAD_MS) alive.add(e.key[1] as string);
  }
  const byInstance = new Map<string, { batch: number; p: PendingBatch }[]>();
  for await (const e of kv.list<PendingBatch>({ prefix: keys.pendingPrefix() })) {
    const inst = e.key[1] as string;
    if (alive.has(inst)) continue;
    let list = byInstance.get(inst);
    if (!list) byInstance.set(inst, list = []);
    list.push({ batch: e.key[2] as number, p: e.value });
  }
  let events = 0;
  for (const [inst, batches] of byInstance) {
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
    await retryLocked(() => kv.delete(keys.instance(inst)));
    log.info("recovered unflushed batches of a stopped instance", {
      instance: inst,
      batches: batches.length,
      events,
    });
  }
  return events;
}
