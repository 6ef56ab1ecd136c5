/** Campaigns across source IPs: the tracker and its pipeline observer. */
import type { BatchObserver } from "../pipeline.ts";
import { CampaignTracker } from "./tracker.ts";

export { CAMPAIGN_DEFAULTS, type CampaignOptions, CampaignTracker, type CampaignView } from "./tracker.ts";
export { MinHash } from "./minhash.ts";
export { warmCampaigns } from "./warm.ts";

/** Feed every stored batch to `tracker`; its campaign anomalies are stored and published. */
export function campaignObserver(tracker: CampaignTracker): BatchObserver {
  return {
    name: "campaign",
    observe: (batch) =>
      tracker.observe(batch.events, (ip) => {
        const open = batch.actors.peek(ip)?.open;
        return open !== undefined && ("brute_force" in open || "slow_brute_force" in open);
      }),
  };
}
