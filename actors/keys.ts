/**
 * Every Deno KV key tuple the server uses is built here, so the layout is in one place.
 *
 * | key | value |
 * |---|---|
 * | ["actor", ip] | ActorState |
 * | ["evb", maxTs, blockId] | EventBlock: a slice of a stored batch, listed by its newest event (lib/event_log.ts) |
 * | ["evb_ip", ip, maxTs, blockId] | EventBlock: the same block's events of one source IP |
 * | ["an", id] | Anomaly |
 * | ["an_ts", ts, id] / ["an_ip", ip, ts, id] | Anomaly (indexes by raise time) |
 * | ["sensor_seq", sensor] | { seq } high-water mark of acknowledged batches |
 * | ["sensor_events", sensor] / ["sensor_rejected", sensor] | Deno.KvU64 counters |
 * | ["sensor_info", sensor] | latest heartbeat and connection facts |
 * | ["pending", instance, batch] | event keys of a batch not yet in flushed actor state |
 * | ["instance", instance] | liveness stamp of a running server instance |
 * | ["ready", instance] | readiness probe value, written, read back and deleted by `/api/ready` |
 * | ["actor_known", chunk] | Bloom filter of IPs with an actor in KV (actors/known.ts) |
 * | ["stat_min", minute] | { total, kinds } events per kind in a UTC minute (lib/stats.ts) |
 * | ["stat_top", "m" \| "h", field, bucket] | top values of a field in a minute or hour |
 * | ["rel", "cred" \| "client", value, ip] | last time `ip` used a credential pair or client |
 * | ["feedback", anomalyId] | { label, detector, at } analyst feedback on an anomaly |
 * | ["drift", ts, id] | DriftEvent: a detected shift of a score, feature or rate stream (lib/online/drift.ts) |
 * | ["model", name] / ["model", name, gen, part] | checkpoint of an online model: meta, then JSON in parts (lib/online/checkpoint.ts) |
 * | ["sensor_token", sensor] | SensorTokenRecord: SHA-256 of a per-sensor ingest token (lib/access/) |
 * | ["enrich", provider, ip] | cached answer of an online enrichment provider (lib/enrich/) |
 * | ["feed_head"] | Deno.KvU64 bumped by every live-feed commit; instances watch it (lib/live_feed.ts) |
 * | ["feed", instance, seq] | { at, event, items } live messages an instance published (short `expireIn`) |
 * | ["feed_src", instance] | { seq, at } the newest feed entry of an instance |
 * | ["lease", name] | { holder, at } which instance runs a shared periodic job (lib/lease.ts) |
 * | ["recovering", instance] | { by, at } claim on a dead instance's pending batches (lib/recovery.ts) |
 * | ["tty_meta", sha256] | TtylogMeta: a Cowrie TTY log shipped by a collector, written after its parts (lib/ttylog_store.ts) |
 * | ["tty", sha256, part] | Uint8Array: one part (up to 60 KB) of that log's bytes |
 */
export const keys = {
  sensorToken: (sensor: string): Deno.KvKey => ["sensor_token", sensor],
  sensorTokenPrefix: (): Deno.KvKey => ["sensor_token"],
  enrichment: (provider: string, ip: string): Deno.KvKey => ["enrich", provider, ip],
  actor: (ip: string): Deno.KvKey => ["actor", ip],
  actorPrefix: (): Deno.KvKey => ["actor"],
  eventBlock: (maxTs: number, id: string): Deno.KvKey => ["evb", maxTs, id],
  eventBlockPrefix: (): Deno.KvKey => ["evb"],
  eventBlockByIp: (ip: string, maxTs: number, id: string): Deno.KvKey => ["evb_ip", ip, maxTs, id],
  eventBlockByIpPrefix: (ip: string): Deno.KvKey => ["evb_ip", ip],
  /** One event under the layout before blocks; read only to recover an old server's pending batches. */
  legacyEvent: (ts: number, id: string): Deno.KvKey => ["ev", ts, id],
  anomaly: (id: string): Deno.KvKey => ["an", id],
  anomalyByTs: (ts: number, id: string): Deno.KvKey => ["an_ts", ts, id],
  anomalyByTsPrefix: (): Deno.KvKey => ["an_ts"],
  anomalyByIp: (ip: string, ts: number, id: string): Deno.KvKey => ["an_ip", ip, ts, id],
  anomalyByIpPrefix: (ip: string): Deno.KvKey => ["an_ip", ip],
  sensorSeq: (sensor: string): Deno.KvKey => ["sensor_seq", sensor],
  sensorEvents: (sensor: string): Deno.KvKey => ["sensor_events", sensor],
  sensorRejected: (sensor: string): Deno.KvKey => ["sensor_rejected", sensor],
  sensorInfo: (sensor: string): Deno.KvKey => ["sensor_info", sensor],
  sensorInfoPrefix: (): Deno.KvKey => ["sensor_info"],
  pending: (instance: string, batch: number): Deno.KvKey => ["pending", instance, batch],
  pendingOf: (instance: string): Deno.KvKey => ["pending", instance],
  pendingPrefix: (): Deno.KvKey => ["pending"],
  instance: (instance: string): Deno.KvKey => ["instance", instance],
  instancePrefix: (): Deno.KvKey => ["instance"],
  readyProbe: (instance: string): Deno.KvKey => ["ready", instance],
  knownIps: (): Deno.KvKey => ["actor_known"],
  statMinute: (minute: number): Deno.KvKey => ["stat_min", minute],
  statMinutePrefix: (): Deno.KvKey => ["stat_min"],
  statTop: (res: "m" | "h", field: string, bucket: number): Deno.KvKey => ["stat_top", res, field, bucket],
  statTopPrefix: (res: "m" | "h", field: string): Deno.KvKey => ["stat_top", res, field],
  related: (rel: "cred" | "client", value: string, ip: string): Deno.KvKey => ["rel", rel, value, ip],
  relatedPrefix: (rel: "cred" | "client", value: string): Deno.KvKey => ["rel", rel, value],
  relatedAllPrefix: (): Deno.KvKey => ["rel"],
  feedback: (anomalyId: string): Deno.KvKey => ["feedback", anomalyId],
  drift: (ts: number, id: string): Deno.KvKey => ["drift", ts, id],
  driftPrefix: (): Deno.KvKey => ["drift"],
  feedbackPrefix: (): Deno.KvKey => ["feedback"],
  model: (name: string): Deno.KvKey => ["model", name],
  modelPart: (name: string, gen: number, part: number): Deno.KvKey => ["model", name, gen, part],
  feedHead: (): Deno.KvKey => ["feed_head"],
  feed: (instance: string, seq: number): Deno.KvKey => ["feed", instance, seq],
  feedPrefix: (): Deno.KvKey => ["feed"],
  feedSource: (instance: string): Deno.KvKey => ["feed_src", instance],
  feedSourcePrefix: (): Deno.KvKey => ["feed_src"],
  lease: (name: string): Deno.KvKey => ["lease", name],
  recoveryClaim: (instance: string): Deno.KvKey => ["recovering", instance],
  ttylogMeta: (sha256: string): Deno.KvKey => ["tty_meta", sha256],
  ttylogMetaPrefix: (): Deno.KvKey => ["tty_meta"],
  ttylogPart: (sha256: string, part: number): Deno.KvKey => ["tty", sha256, part],
  ttylogParts: (sha256: string): Deno.KvKey => ["tty", sha256],
};
