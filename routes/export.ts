/**
 * Exports and integrations: the plain-text blocklist, a STIX 2.1 bundle, and CSV / NDJSON
 * exports of events and anomalies with the list endpoints' filters, streamed.
 */
import { Hono } from "hono";
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { parseDuration } from "../lib/duration.ts";
import { scanEvents } from "../lib/event_log.ts";
import { blocklistEntries, renderBlocklist } from "../lib/export/blocklist.ts";
import { type Columns, type ExportFormat, exportStream } from "../lib/export/stream.ts";
import { stixBundle } from "../lib/export/stix.ts";
import { HttpError } from "../lib/http_error.ts";
import type { Runtime } from "../lib/runtime.ts";
import { type Anomaly, type NormalisedEvent, severityRank } from "../lib/schema.ts";
import { toIso } from "../lib/timestamp.ts";
import { ipParam, severityParam, timeParam } from "./api.ts";

/** Most rows one export returns (`limit` lowers it). */
export const MAX_EXPORT_ROWS = 1_000_000;
/** Default time an IP stays on the blocklist after its latest anomaly activity. */
export const BLOCKLIST_TTL_MS = 24 * 3_600_000;

const ANOMALY_COLUMNS: Columns<Anomaly> = [
  ["id", (a) => a.id],
  ["ts", (a) => a.ts],
  ["lastTs", (a) => a.lastTs],
  ["ip", (a) => a.ip],
  ["sensor", (a) => a.sensor],
  ["type", (a) => a.type],
  ["detector", (a) => a.detector],
  ["severity", (a) => a.severity],
  ["score", (a) => a.score],
  ["value", (a) => a.value],
  ["threshold", (a) => a.threshold],
  ["window", (a) => a.window.label],
  ["updates", (a) => a.updates],
  ["status", (a) => a.status],
  ["reason", (a) => a.reason],
  ["evidence", (a) => a.evidence.join(" ")],
];

const EVENT_COLUMNS: Columns<NormalisedEvent> = [
  ["id", (e) => e.id],
  ["ts", (e) => toIso(e.ts)],
  ["sensor", (e) => e.sensor],
  ["source", (e) => e.source],
  ["kind", (e) => e.kind],
  ["src_ip", (e) => e.src_ip],
  ["src_port", (e) => e.src_port],
  ["dst_ip", (e) => e.dst_ip],
  ["dst_port", (e) => e.dst_port],
  ["proto", (e) => e.proto],
  ["session", (e) => e.session],
  ["username", (e) => e.username],
  ["password", (e) => e.password],
  ["command", (e) => e.command],
  ["url", (e) => e.url],
  ["sha256", (e) => e.sha256],
  ["bytes", (e) => e.bytes],
  ["duration_ms", (e) => e.duration_ms],
  ["client", (e) => e.client],
  ["hassh", (e) => e.hassh],
];

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8; header=present",
  ndjson: "application/x-ndjson; charset=utf-8",
};

function exportLimit(v: string | undefined): number {
  if (v === undefined || v === "") return MAX_EXPORT_ROWS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_EXPORT_ROWS) {
    throw new HttpError(
      400,
      `Query "limit" is ${JSON.stringify(v)}, must be an integer from 1 to ${MAX_EXPORT_ROWS}`,
    );
  }
  return n;
}

function ttlParam(v: string | undefined): number {
  if (v === undefined || v === "") return BLOCKLIST_TTL_MS;
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) {
    throw new HttpError(
      400,
      `Query "ttl" is ${JSON.stringify(v)}, must be a duration such as "30m", "24h" or "7d"`,
    );
  }
  return ms;
}

function anomalyFilter(q: Record<string, string>) {
  const ip = ipParam("ip", q.ip);
  const prefix = ip ? keys.anomalyByIpPrefix(ip) : keys.anomalyByTsPrefix();
  const since = timeParam("since", q.since);
  const until = timeParam("until", q.until);
  const sev = severityParam(q.minSeverity);
  const min = sev ? severityRank(sev) : 0;
  const type = q.type || undefined;
  return {
    selector: { start: [...prefix, since ?? 0], end: [...prefix, (until ?? 8.64e15) + 1] },
    filter: (a: Anomaly) => (!type || a.type === type) && severityRank(a.severity) >= min,
  };
}

function download(name: string, format: ExportFormat): Record<string, string> {
  return {
    "content-type": CONTENT_TYPES[format],
    "content-disposition": `attachment; filename="${name}.${format}"`,
    "cache-control": "no-store",
  };
}

export function exportRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get("/api/blocklist.txt", async (c) => {
    const q = c.req.query();
    const query = {
      minSeverity: severityParam(q.minSeverity) ?? "medium",
      ttlMs: ttlParam(q.ttl),
      now: rt.clock.now(),
      limit: exportLimit(q.limit),
    };
    const entries = await blocklistEntries(rt.kv, query);
    return c.body(renderBlocklist(entries, query), 200, {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
    });
  });

  app.get("/api/export/stix", async (c) => {
    const q = c.req.query();
    const { selector, filter } = anomalyFilter(q);
    const limit = exportLimit(q.limit);
    const anomalies: Anomaly[] = [];
    const iter = rt.kv.list<Anomaly>(selector, { reverse: true, batchSize: 1000 });
    for (;;) {
      const r = await retryLocked(() => iter.next());
      if (r.done || anomalies.length >= limit) break;
      if (filter(r.value.value)) anomalies.push(r.value.value);
    }
    const bundle = await stixBundle(anomalies, {
      name: "honeywatch",
      validForMs: ttlParam(q.ttl),
      now: rt.clock.now(),
    });
    return c.body(JSON.stringify(bundle), 200, {
      "content-type": "application/stix+json;version=2.1",
      "cache-control": "no-store",
    });
  });

  for (const format of ["csv", "ndjson"] as const) {
    app.get(`/api/export/anomalies.${format}`, (c) => anomaliesExport(c.req.query(), format));
    app.get(`/api/export/events.${format}`, (c) => eventsExport(c.req.query(), format));
  }

  function anomaliesExport(q: Record<string, string>, format: ExportFormat): Response {
    const { selector, filter } = anomalyFilter(q);
    const body = exportStream(
      { kv: rt.kv, selector, filter, limit: exportLimit(q.limit) },
      format,
      ANOMALY_COLUMNS,
    );
    return new Response(body, { headers: download("anomalies", format) });
  }

  function eventsExport(q: Record<string, string>, format: ExportFormat): Response {
    const kind = q.kind || undefined;
    const sensor = q.sensor || undefined;
    const rows = scanEvents(rt.kv, {
      ip: ipParam("ip", q.ip),
      since: timeParam("since", q.since),
      until: timeParam("until", q.until),
      filter: (e) => (!kind || e.kind === kind) && (!sensor || e.sensor === sensor),
    });
    const body = exportStream<NormalisedEvent>(
      { kv: rt.kv, rows, limit: exportLimit(q.limit) },
      format,
      EVENT_COLUMNS,
    );
    return new Response(body, { headers: download("events", format) });
  }

  return app;
}
