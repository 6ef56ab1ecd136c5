/**
 * Rebuild the campaign tracker from the event log when a server starts: campaigns live in
 * memory, and the stored events of the tracker's TTL are what made them. Bounded: the newest
 * `max` events of the range, replayed oldest first, as they happened.
 */
import { newestEvents } from "../event_log.ts";
import type { CampaignTracker } from "./tracker.ts";

/** Replay stored events with `ts >= since` into `tracker`; returns how many were read. */
export async function warmCampaigns(
  kv: Deno.Kv,
  tracker: CampaignTracker,
  since: number,
  max = 100_000,
): Promise<number> {
  const { events } = await newestEvents(kv, { since }, max);
  // Anomalies were stored when the events first came in; these only rebuild the state.
  for (let i = 0; i < events.length; i += 500) tracker.observe(events.slice(i, i + 500));
  return events.length;
}
