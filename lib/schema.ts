/**
 * Wire and storage types shared by the collector, the server and the islands.
 *
 * One zod schema per wire type; TypeScript types are inferred from them so the
 * two never drift apart.
 */
import { z } from "zod";

/** Sources a collector can read. */
export const SOURCES = ["cowrie", "sshd", "firewall", "zeek"] as const;
export const Source = z.enum(SOURCES);
export type Source = z.infer<typeof Source>;

/**
 * Normalised event kinds. Every source maps onto these; `other` keeps an event
 * the parser does not know (Cowrie adds event ids) without dropping it.
 */
export const KINDS = [
  "connect",
  "closed",
  "client_version",
  "client_kex",
  "client_fingerprint",
  "client_size",
  "client_var",
  "login_failed",
  "login_success",
  "command",
  "command_failed",
  "download",
  "download_failed",
  "upload",
  "tcpip_request",
  "tcpip_data",
  "session_params",
  "session_input",
  "log_open",
  "log_closed",
  "firewall",
  "conn",
  "disconnect",
  "other",
] as const;
export const Kind = z.enum(KINDS);
export type Kind = z.infer<typeof Kind>;

/** Name of a sensor: what the operator calls the honeypot or host. */
export const SensorName = z.string().min(1).max(64).regex(
  /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
  "letters, digits, '.', '_', ':' and '-', starting with a letter or digit",
);

/** The one event shape every source is normalised into (DESIGN section 3). */
export const NormalisedEvent = z.object({
  /** Unique id, assigned at ingest. */
  id: z.string(),
  /** Event time, UTC milliseconds since 1970. */
  ts: z.number().int(),
  sensor: z.string(),
  source: Source,
  kind: Kind,
  /** Cowrie's `eventid` (or the source's own event name) as seen. */
  eventid: z.string().optional(),
  src_ip: z.string(),
  src_port: z.number().int().min(0).max(65535).optional(),
  dst_ip: z.string().optional(),
  dst_port: z.number().int().min(0).max(65535).optional(),
  proto: z.string().optional(),
  session: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  command: z.string().optional(),
  url: z.string().optional(),
  sha256: z.string().optional(),
  bytes: z.number().optional(),
  duration_ms: z.number().optional(),
  client: z.string().optional(),
  hassh: z.string().optional(),
  raw: z.record(z.string(), z.unknown()).optional(),
});
export type NormalisedEvent = z.infer<typeof NormalisedEvent>;

/** An event before the server gives it an id. */
export type ParsedEvent = Omit<NormalisedEvent, "id">;

/** Why a line or record was rejected; counted per reason. */
export const REJECT_REASONS = [
  "not_json",
  "not_object",
  "too_large",
  "truncated",
  "missing_field",
  "wrong_type",
  "invalid_ip",
  "invalid_timestamp",
  "invalid_port",
  "unparsable_line",
  "empty",
] as const;
export type RejectReason = typeof REJECT_REASONS[number];

/** Result of parsing one raw record or line. */
export type ParseResult =
  | { ok: true; event: ParsedEvent }
  | { ok: false; reason: RejectReason; detail: string }
  /** A well-formed line that carries no event (e.g. sshd's pam_unix chatter); counted, not rejected. */
  | { ok: "skip"; detail: string };

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** Rank of a severity, for `minSeverity` filters. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/**
 * What is known about a source IP beyond its events (lib/enrich/): GeoIP/ASN from a MaxMind
 * database, the offline CIDR lists it is on, and cached answers of online providers.
 */
export const Enrichment = z.object({
  country: z.string().optional(),
  city: z.string().optional(),
  asn: z.number().int().optional(),
  asOrg: z.string().optional(),
  /** Names of the reputation lists (file names) that contain the IP. */
  lists: z.array(z.string()).optional(),
  /** Provider name -> its reduced answer. */
  providers: z.record(
    z.string(),
    z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  )
    .optional(),
});
export type Enrichment = z.infer<typeof Enrichment>;

/** An anomaly: what fired, why, and the evidence (DESIGN section 5). */
export const Anomaly = z.object({
  id: z.string(),
  type: z.string(),
  detector: z.string(),
  ip: z.string(),
  sensor: z.string().optional(),
  /** ISO 8601 UTC event time of the event that raised it. */
  ts: z.string(),
  /** ISO 8601 UTC event time of the latest event that updated it. */
  lastTs: z.string(),
  severity: Severity,
  /** 0..1, how far past the threshold. */
  score: z.number(),
  /** One sentence a person can read. */
  reason: z.string(),
  window: z.object({ ms: z.number(), label: z.string() }),
  threshold: z.number(),
  value: z.number(),
  features: z.record(z.string(), z.number()),
  /** Ids of the events that were evidence (bounded). */
  evidence: z.array(z.string()),
  /** How many times it was raised or updated while open. */
  updates: z.number().int(),
  status: z.enum(["open", "closed"]),
  /** Facts about the IP when enrichment is configured (absent otherwise). */
  enrichment: Enrichment.optional(),
});
export type Anomaly = z.infer<typeof Anomaly>;

// ---------------------------------------------------------------------------
// honeywatch.v1 uplink frames (docs/protocol.md)

export const PROTOCOL = "honeywatch.v1";

/** Largest batch a client may send in one frame. */
export const MAX_BATCH_EVENTS = 400;

export const HelloFrame = z.object({
  type: z.literal("hello"),
  sensor: SensorName,
  token: z.string().min(1),
  resume: z.number().int().min(0).optional(),
  role: z.enum(["honeypot", "production"]).optional(),
});
export const BatchFrame = z.object({
  type: z.literal("batch"),
  seq: z.number().int().min(1),
  source: Source,
  events: z.array(z.unknown()).max(MAX_BATCH_EVENTS),
});
export const HeartbeatFrame = z.object({
  type: z.literal("heartbeat"),
  lagBytes: z.number().min(0).optional(),
  spoolBytes: z.number().min(0).optional(),
  dropped: z.number().min(0).optional(),
  rejected: z.record(z.string(), z.number()).optional(),
});
export const ClientFrame = z.discriminatedUnion("type", [HelloFrame, BatchFrame, HeartbeatFrame]);
export type HelloFrame = z.infer<typeof HelloFrame>;
export type BatchFrame = z.infer<typeof BatchFrame>;
export type HeartbeatFrame = z.infer<typeof HeartbeatFrame>;
export type ClientFrame = z.infer<typeof ClientFrame>;

export type ServerFrame =
  | { type: "welcome"; acked: number }
  | { type: "ack"; seq: number; accepted: number; rejected: number; duplicate?: boolean }
  | { type: "error"; code: string; message: string; seq?: number };
