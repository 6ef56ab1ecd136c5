/**
 * The OpenAPI 3.1 document of the REST API, served at `GET /api/openapi.json`. Wire types
 * come from the zod schemas in `lib/schema.ts` through `z.toJSONSchema` (JSON Schema 2020-12,
 * OpenAPI 3.1's dialect); each operation is one row of `OPERATIONS`. A test checks that every
 * route the app serves under `/api` has a row and that real responses validate against it.
 */
import { z } from "zod";
import { Anomaly, Enrichment, NormalisedEvent, Severity, Source } from "./schema.ts";

type Json = Record<string, unknown>;

/** JSON Schema of a zod type, without the `$schema` line (the document sets the dialect). */
function js(t: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(t, { unrepresentable: "any" }) as Json;
  return rest;
}
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const pageOf = (name: string): Json => ({
  type: "object",
  properties: { items: { type: "array", items: ref(name) }, cursor: { type: ["string", "null"] } },
  required: ["items", "cursor"],
});

const ErrorBody = z.object({ error: z.string(), message: z.string() });

const Health = z.object({
  status: z.enum(["ok", "degraded"]),
  kv: z.string(),
  instance: z.string(),
  uptimeS: z.number(),
  actorsInMemory: z.number(),
  subscribers: z.number(),
  ingest: z.record(z.string(), z.unknown()),
}).loose();

/** A compact event of an actor's recent ring (actors/actor.ts RecentEvent, ts as ISO 8601). */
const RecentEvent = z.object({
  id: z.string(),
  ts: z.string(),
  kind: z.string(),
  sensor: z.string(),
  session: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  command: z.string().optional(),
  url: z.string().optional(),
  dst_port: z.number().int().optional(),
}).loose();

const Actor = z.object({
  ip: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  events: z.number(),
  kinds: z.record(z.string(), z.number()),
  sensors: z.array(z.string()),
  features: z.record(z.string(), z.number()),
  openAnomalies: z.array(Anomaly),
  recent: z.array(RecentEvent),
  enrichment: Enrichment.optional(),
}).loose();

const SensorView = z.object({
  sensor: z.string(),
  role: z.string().nullable(),
  connected: z.boolean(),
  events: z.number(),
  rejected: z.number(),
  lastSeq: z.number(),
  lagBytes: z.number(),
  spoolBytes: z.number(),
  dropped: z.number(),
  lastEventTs: z.string().nullable(),
  lastSeen: z.string().nullable(),
  collectorRejected: z.record(z.string(), z.number()),
}).loose();

const IngestResult = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  reasons: z.record(z.string(), z.number()),
  skipped: z.number().int(),
});

const Timeline = z.object({
  since: z.string(),
  until: z.string(),
  bucketMs: z.number(),
  kinds: z.array(z.string()),
  buckets: z.array(z.object({ ts: z.string(), total: z.number(), kinds: z.record(z.string(), z.number()) })),
}).loose();

const TopList = z.object({
  field: z.string(),
  since: z.string(),
  until: z.string(),
  resolution: z.enum(["minute", "hour"]),
  items: z.array(z.object({ value: z.string(), count: z.number() })),
}).loose();

const Summary = z.object({
  eventsPerSecond: z.number(),
  activeAttackers: z.number(),
  activeWindowMs: z.number(),
  openAnomalies: z.number(),
  eventsLastHour: z.number(),
}).loose();

const Feedback = z.object({
  anomalyId: z.string().min(1).max(512),
  label: z.enum(["true_positive", "false_positive"]),
});

const SensorToken = z.object({
  sensor: z.string(),
  created: z.string(),
  revoked: z.boolean(),
  revokedAt: z.string().nullable(),
  source: z.enum(["kv", "config"]),
});

/** Named schemas in `components.schemas`. */
const SCHEMAS: Record<string, z.ZodType> = {
  Anomaly,
  NormalisedEvent,
  RecentEvent,
  Enrichment,
  Error: ErrorBody,
  Health,
  Actor,
  SensorView,
  IngestResult,
  Timeline,
  TopList,
  Summary,
  Feedback,
  SensorToken,
};

/** One query or path parameter. */
interface Param {
  name: string;
  in?: "query" | "path";
  description: string;
  schema?: Json;
  required?: boolean;
}

/** Who may call an operation (see docs/security.md). */
export type Access = "public" | "read" | "admin" | "ingest";

/** One operation of the REST API. */
export interface Operation {
  method: "get" | "post" | "put" | "delete";
  /** Hono form: `/api/actors/:ip`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: Param[];
  body?: { contentType: string; schema: Json };
  /** Status -> description and, for a body, its content type and schema. */
  responses: Record<number, { description: string; contentType?: string; schema?: Json }>;
}

const str = { type: "string" };
const P = {
  ip: { name: "ip", description: "Only this source IP (IPv4 or IPv6)" },
  type: { name: "type", description: "Only this anomaly type, e.g. brute_force" },
  kind: { name: "kind", description: "Only this event kind, e.g. login_failed" },
  sensor: { name: "sensor", description: "Only this sensor" },
  minSeverity: { name: "minSeverity", description: "Lowest severity", schema: js(Severity) },
  since: { name: "since", description: "From this time (ISO 8601 or epoch ms), inclusive" },
  until: { name: "until", description: "Up to this time (ISO 8601 or epoch ms), inclusive" },
  limit: { name: "limit", description: "Page size, 1..1000 (default 100)", schema: { type: "integer" } },
  cursor: { name: "cursor", description: "The `cursor` of the previous page" },
  exportLimit: { name: "limit", description: "At most this many rows", schema: { type: "integer" } },
  ttl: {
    name: "ttl",
    description: 'How long an IP stays listed after its last anomaly activity (default "24h")',
  },
  range: [
    { name: "since", description: 'ISO 8601, epoch ms or a duration before now ("1h"); default until - 1h' },
    { name: "until", description: "ISO 8601, epoch ms or a duration before now; default now" },
  ],
} satisfies Record<string, Param | Param[]>;

const err = (description: string) => ({ description, contentType: "application/json", schema: ref("Error") });
const json = (description: string, schema: Json) => ({
  description,
  contentType: "application/json",
  schema,
});
const text = (description: string, contentType: string) => ({ description, contentType, schema: str });

const exportOps = (what: "anomalies" | "events"): Operation[] =>
  (["csv", "ndjson"] as const).map((f) => ({
    method: "get",
    path: `/api/export/${what}.${f}`,
    summary: `All ${what} matching the filters as ${f.toUpperCase()}, newest first, streamed`,
    tag: "export",
    access: "read",
    params: what === "anomalies"
      ? [P.ip, P.type, P.minSeverity, P.since, P.until, P.exportLimit]
      : [P.ip, P.kind, P.sensor, P.since, P.until, P.exportLimit],
    responses: {
      200: text(
        f === "csv"
          ? "RFC 4180 CSV with a header; formula-like cells prefixed with '"
          : "One JSON value a line",
        f === "csv" ? "text/csv" : "application/x-ndjson",
      ),
      400: err("A filter is invalid"),
    },
  }));

/** Every REST operation. Add a row with every new `/api` route. */
export const OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/api/health",
    summary: "Liveness and KV reachability, with ingest counters",
    tag: "operations",
    access: "public",
    responses: { 200: json("Healthy", ref("Health")), 503: json("KV unreachable", ref("Health")) },
  },
  {
    method: "get",
    path: "/api/anomalies",
    summary: "Anomalies, newest first, with cursor paging",
    tag: "anomalies",
    access: "read",
    params: [P.ip, P.type, P.minSeverity, P.since, P.until, P.limit, P.cursor],
    responses: { 200: json("A page of anomalies", pageOf("Anomaly")), 400: err("A filter is invalid") },
  },
  {
    method: "get",
    path: "/api/events",
    summary: "Stored events, newest first, with cursor paging",
    tag: "events",
    access: "read",
    params: [P.ip, P.kind, P.since, P.until, P.limit, P.cursor],
    responses: { 200: json("A page of events", pageOf("NormalisedEvent")), 400: err("A filter is invalid") },
  },
  {
    method: "get",
    path: "/api/actors/:ip",
    summary: "One source IP: counters, window features, open anomalies, recent events, enrichment",
    tag: "actors",
    access: "read",
    params: [{ name: "ip", in: "path", required: true, description: "IPv4 or IPv6 address" }],
    responses: {
      200: json("The actor", ref("Actor")),
      400: err("Not an IP address"),
      404: err("No events from this IP are stored"),
    },
  },
  {
    method: "get",
    path: "/api/sensors",
    summary: "Known sensors with counters and collector health",
    tag: "sensors",
    access: "read",
    responses: {
      200: json("Sensors", {
        type: "object",
        properties: { items: { type: "array", items: ref("SensorView") } },
        required: ["items"],
      }),
    },
  },
  {
    method: "post",
    path: "/api/ingest",
    summary: "Ingest NDJSON (Cowrie JSON lines) or text log lines over HTTP",
    tag: "ingest",
    access: "ingest",
    params: [
      { name: "source", description: "cowrie (default), sshd, firewall or zeek", schema: js(Source) },
      { name: "sensor", description: 'Sensor name (default "http"); a per-sensor token must match it' },
    ],
    body: { contentType: "application/x-ndjson", schema: str },
    responses: {
      200: json("Counts of what was taken", ref("IngestResult")),
      400: err("Bad source or sensor"),
      401: err("No valid ingest token"),
      413: err("Body too large"),
      429: err("Rate limited; see Retry-After"),
    },
  },
  {
    method: "post",
    path: "/api/update",
    summary: "Feedback: mark an anomaly a true or false positive",
    tag: "anomalies",
    access: "admin",
    body: { contentType: "application/json", schema: ref("Feedback") },
    responses: {
      200: json("Recorded", {
        type: "object",
        properties: {
          anomalyId: str,
          label: str,
          detector: str,
          change: {
            type: "object",
            description: "What the detector adjusted: threshold before/after, allowlisted IP, in words",
            properties: { detector: str, changed: str, threshold: { type: "object" }, allowlisted: str },
          },
        },
        required: ["anomalyId", "label", "detector", "change"],
      }),
      400: err("Invalid body"),
      404: err("No such anomaly"),
    },
  },
  {
    method: "get",
    path: "/api/stats/timeline",
    summary: "Events per time bucket and kind",
    tag: "stats",
    access: "read",
    params: [...P.range, { name: "bucket", description: 'Bucket size, whole minutes (default "1m")' }],
    responses: { 200: json("Timeline", ref("Timeline")), 400: err("Invalid range or bucket") },
  },
  {
    method: "get",
    path: "/api/stats/top",
    summary: "Most frequent values of a field",
    tag: "stats",
    access: "read",
    params: [
      { name: "field", required: true, description: "Field to rank, e.g. username, password, command" },
      ...P.range,
      { name: "limit", description: "1..100 (default 10)", schema: { type: "integer" } },
    ],
    responses: { 200: json("Top values", ref("TopList")), 400: err("Invalid field, range or limit") },
  },
  {
    method: "get",
    path: "/api/stats/summary",
    summary: "Dashboard counters",
    tag: "stats",
    access: "read",
    responses: { 200: json("Counters", ref("Summary")) },
  },
  {
    method: "get",
    path: "/api/blocklist.txt",
    summary: "Plain-text blocklist: one address a line, expiry and types as a comment",
    tag: "export",
    access: "read",
    params: [
      { ...P.minSeverity, description: "Lowest severity listed (default medium)" },
      P.ttl,
      P.exportLimit,
    ],
    responses: {
      200: text("`203.0.113.7 # expires 2026-11-26T10:00:00Z high brute_force`", "text/plain"),
      400: err("Invalid query"),
    },
  },
  {
    method: "get",
    path: "/api/export/stix",
    summary: "STIX 2.1 bundle: identity, one indicator per attacking IP, sightings per sensor",
    tag: "export",
    access: "read",
    params: [P.ip, P.type, P.minSeverity, P.since, P.until, P.exportLimit, {
      ...P.ttl,
      description: "Indicator validity after the last sighting (default 24h)",
    }],
    responses: {
      200: json("STIX bundle", {
        type: "object",
        properties: {
          type: { const: "bundle" },
          id: str,
          objects: { type: "array", items: { type: "object", required: ["type", "spec_version", "id"] } },
        },
        required: ["type", "id", "objects"],
      }),
      400: err("A filter is invalid"),
    },
  },
  {
    method: "get",
    path: "/api/admin/tokens",
    summary: "Per-sensor ingest tokens (never the secrets)",
    tag: "admin",
    access: "admin",
    responses: {
      200: json("Token records", {
        type: "object",
        properties: { items: { type: "array", items: ref("SensorToken") } },
        required: ["items"],
      }),
      401: err("No admin token"),
      403: err("The admin API is off (no --admin-token)"),
    },
  },
  {
    method: "post",
    path: "/api/admin/tokens/:sensor",
    summary: "Issue (or replace) a sensor's ingest token; the answer is the only time it is shown",
    tag: "admin",
    access: "admin",
    params: [{ name: "sensor", in: "path", required: true, description: "Sensor name" }],
    responses: {
      201: json("The new token", {
        type: "object",
        properties: { sensor: str, token: str, note: str },
        required: ["sensor", "token"],
      }),
      400: err("Bad sensor name"),
      401: err("No admin token"),
      403: err("The admin API is off (no --admin-token)"),
    },
  },
  {
    method: "delete",
    path: "/api/admin/tokens/:sensor",
    summary: "Revoke a sensor's ingest token (its connections are cut at their next batch)",
    tag: "admin",
    access: "admin",
    params: [{ name: "sensor", in: "path", required: true, description: "Sensor name" }],
    responses: {
      200: json("Revoked", {
        type: "object",
        properties: { sensor: str, revoked: { const: true } },
        required: ["sensor", "revoked"],
      }),
      401: err("No admin token"),
      403: err("The admin API is off (no --admin-token)"),
      404: err("The sensor has no token"),
    },
  },
  {
    method: "get",
    path: "/api/ready",
    summary: "Readiness: a KV round trip within a deadline",
    tag: "operations",
    access: "public",
    responses: {
      200: json("Ready", {
        type: "object",
        properties: { status: { const: "ready" } },
        required: ["status"],
      }),
      503: json("Not ready", {
        type: "object",
        properties: { status: { const: "not_ready" } },
        required: ["status"],
      }),
    },
  },
  {
    method: "get",
    path: "/api/quality",
    summary: "Data quality per sensor and source: completeness, consistency, accuracy, timeliness",
    tag: "operations",
    access: "read",
    params: [P.sensor, { name: "source", description: "Only this source (cowrie, sshd, firewall, zeek)" }],
    responses: {
      200: json("Quality report", {
        type: "object",
        properties: { windowMs: { type: "number" }, silenceMs: { type: "number" }, items: { type: "array" } },
        required: ["items"],
      }),
    },
  },
  {
    method: "get",
    path: "/api/campaigns",
    summary: "Campaigns: IPs linked by shared credentials, scripts or client fingerprints",
    tag: "anomalies",
    access: "read",
    params: [P.ip, { name: "minMembers", description: "Smallest campaign listed" }, P.limit],
    responses: {
      200: json("Campaigns", {
        type: "object",
        properties: {
          items: { type: "array", items: { type: "object" } },
          cursor: { type: ["string", "null"] },
        },
        required: ["items"],
      }),
      400: err("A filter is invalid"),
    },
  },
  {
    method: "get",
    path: "/api/campaigns/:id",
    summary: "One campaign",
    tag: "anomalies",
    access: "read",
    params: [{ name: "id", in: "path", required: true, description: "Campaign id" }],
    responses: { 200: json("The campaign", { type: "object" }), 404: err("Unknown campaign") },
  },
  {
    method: "post",
    path: "/api/predict",
    summary: "Score an event or a feature vector without learning from it",
    tag: "anomalies",
    access: "read",
    body: {
      contentType: "application/json",
      schema: {
        oneOf: [
          {
            type: "object",
            properties: { event: { type: "object" }, source: str, sensor: str },
            required: ["event"],
          },
          { type: "object", properties: { features: { type: "object" } }, required: ["features"] },
        ],
      },
    },
    responses: {
      200: json("Scores", { type: "object", properties: { learnt: { const: false } }, required: ["learnt"] }),
      400: err("Invalid body or unparsable event"),
    },
  },
  ...exportOps("anomalies"),
  ...exportOps("events"),
  {
    method: "get",
    path: "/api/stream",
    summary: "Live anomalies and drift as server-sent events (Last-Event-ID resumes)",
    tag: "live",
    access: "read",
    params: [
      { name: "type", description: "Comma-separated anomaly types" },
      P.minSeverity,
      P.ip,
      P.sensor,
    ],
    responses: {
      200: text("An endless SSE stream: `event: anomaly`, `data: {...}`", "text/event-stream"),
      400: err("A filter is invalid"),
    },
  },
  {
    method: "get",
    path: "/api/subscribe",
    summary: "Live anomalies over WebSocket, same filters as /api/stream",
    tag: "live",
    access: "read",
    params: [{ name: "type", description: "Comma-separated anomaly types" }, P.minSeverity, P.ip, P.sensor],
    responses: { 101: { description: "Switching to WebSocket" }, 426: err("Not a WebSocket request") },
  },
  {
    method: "get",
    path: "/api/openapi.json",
    summary: "This document",
    tag: "operations",
    access: "public",
    responses: { 200: json("OpenAPI 3.1 document", { type: "object" }) },
  },
];

/** Add operations (modules that mount their own routes call this at import). */
export function addOperations(...ops: Operation[]): void {
  OPERATIONS.push(...ops);
}

/** `/api/actors/:ip` -> `/api/actors/{ip}` */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

const SECURITY: Record<Access, Json[] | undefined> = {
  public: [],
  read: [{ readToken: [] }, { adminToken: [] }],
  admin: [{ adminToken: [] }],
  ingest: [{ ingestToken: [] }],
};

/** Build the document. */
export function openApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    const p = (paths[openApiPath(op.path)] ??= {});
    const responses: Json = {};
    // Every operation may meet the per-client rate limit; guarded ones the role check.
    const all: Operation["responses"] = { ...op.responses };
    if (op.access === "read" || op.access === "admin") all[401] ??= err("No valid token for this role");
    all[429] ??= err("Rate limited; see Retry-After");
    for (const [status, r] of Object.entries(all)) {
      responses[status] = {
        description: r.description,
        ...(r.contentType ? { content: { [r.contentType]: { schema: r.schema ?? {} } } } : {}),
      };
    }
    p[op.method] = {
      operationId: `${op.method}${
        op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c) => (c ? c.toUpperCase() : ""))
      }`,
      summary: op.summary,
      tags: [op.tag],
      security: SECURITY[op.access],
      parameters: (op.params ?? []).map((x) => ({
        name: x.name,
        in: x.in ?? "query",
        required: x.in === "path" ? true : x.required ?? false,
        description: x.description,
        schema: x.schema ?? str,
      })),
      ...(op.body
        ? { requestBody: { required: true, content: { [op.body.contentType]: { schema: op.body.schema } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "honeywatch",
      version,
      description: "Real-time anomaly detection for honeypot, SSH and firewall logs. Live feeds: " +
        "`GET /api/stream` (SSE) and `GET /api/subscribe` (WebSocket); collector uplink: `GET /ingest` " +
        "(WebSocket, honeywatch.v1). See docs/protocol.md.",
      license: { name: "See repository" },
    },
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(SCHEMAS).map(([k, v]) => [k, js(v)])),
      securitySchemes: {
        readToken: { type: "http", scheme: "bearer", description: "--read-token (or the admin token)" },
        adminToken: { type: "http", scheme: "bearer", description: "--admin-token" },
        ingestToken: { type: "http", scheme: "bearer", description: "--ingest-token or a per-sensor token" },
      },
    },
  };
}
