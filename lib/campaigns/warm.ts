/**
 * Rebuild the campaign tracker from the event log when a server starts: campaigns live in
 * memory, and the stored events of the tracker's TTL are what made them. Bounded: at most
 * `max` events (the oldest of the range first, as they happened).
 */
import { keys } from "../../actors/keys.ts";
import { retryLocked } from "../../actors/store.ts";
import type { NormalisedEvent } from "../schema.ts";
import type { CampaignTracker } from "./tracker.ts";

/** Replay stored events with `ts >= since` into `tracker`; returns how many were read. */
export async function warmCampaigns(
  kv: Deno.Kv,
  tracker: CampaignTracker,
  since: number,
  max = 100_000,
): Promise<number> {
  const iter = kv.list<NormalisedEvent>(
    { start: [...keys.eventPrefix(), since], end: [...keys.eventPrefix(), 8.64e15] },
    { limit: max, batchSize: 500 },
  );
  let batch: NormalisedEvent[] = [];
  let n = 0;
  for (;;) {
    const r = await retryLocked(() => iter.next());
    if (r.done) break;
    batch.push(r.value.value);
    n++;
    if (batch.length >= 500) {
      tracker.observe(batch); // anomalies were stored when the events first came in
      batch = [];
    }
  }
  if (batch.length > 0) tracker.observe(batch);
  return n;
}
