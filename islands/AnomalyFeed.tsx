/**
 * Live anomaly feed: the server renders the latest anomalies; once hydrated, the island
 * subscribes to `/api/stream` and puts new or updated anomalies on top. Pause holds new
 * arrivals aside; filters (type, severity, sensor) narrow what is shown; a reconnect
 * resumes from the last SSE id (`Last-Event-ID`, or `lastEventId` after a hard error).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Time } from "../components/Time.tsx";
import { formatCount } from "../lib/format.ts";
import type { Anomaly, Severity } from "../lib/schema.ts";

// Not imported from lib/schema.ts: that module's values pull zod into the browser bundle.
const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
const severityRank = (s: Severity) => SEVERITIES.indexOf(s);

export interface AnomalyFeedProps {
  initial: Anomaly[];
  /** SSE endpoint, with filters in its query. */
  streamUrl: string;
  /** The feed keeps at most this many rows (and as many held while paused). */
  max?: number;
}

type Status = "connecting" | "live" | "reconnecting";

/** Put `a` on top, replacing an older copy with the same id; keep at most `max`. */
function upsert(list: Anomaly[], a: Anomaly, max: number): Anomaly[] {
  return [a, ...list.filter((p) => p.id !== a.id)].slice(0, max);
}

const label = (t: string) => t.replaceAll("_", " ");

export function AnomalyFeed({ initial, streamUrl, max = 200 }: AnomalyFeedProps) {
  const [items, setItems] = useState<Anomaly[]>(initial);
  const [held, setHeld] = useState<Anomaly[]>([]);
  const [status, setStatus] = useState<Status>("connecting");
  const [paused, setPaused] = useState(false);
  const [type, setType] = useState("");
  const [minSeverity, setMinSeverity] = useState<Severity | "">("");
  const [sensor, setSensor] = useState("");
  const pausedRef = useRef(false);
  pausedRef.current = paused;

  useEffect(() => {
    // Browser-only: EventSource lives in the effect and is closed on cleanup.
    let es: EventSource | null = null;
    let lastId = "";
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = () => {
      const url = lastId
        ? `${streamUrl}${streamUrl.includes("?") ? "&" : "?"}lastEventId=${lastId}`
        : streamUrl;
      const src = new EventSource(url);
      es = src;
      src.onopen = () => setStatus("live");
      src.onerror = () => {
        setStatus("reconnecting");
        // The browser retries by itself (sending Last-Event-ID) unless the stream failed hard.
        if (src.readyState === EventSource.CLOSED && !stopped) {
          retry = setTimeout(open, 2000);
        }
      };
      src.addEventListener("anomaly", (e) => {
        const m = e as MessageEvent<string>;
        if (m.lastEventId) lastId = m.lastEventId;
        const a = JSON.parse(m.data) as Anomaly;
        if (pausedRef.current) setHeld((prev) => upsert(prev, a, max));
        else setItems((prev) => upsert(prev, a, max));
      });
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      es?.close();
    };
  }, [streamUrl, max]);

  const resume = () => {
    setItems((prev) => held.reduceRight((list, a) => upsert(list, a, max), prev));
    setHeld([]);
    setPaused(false);
  };

  const types = useMemo(() => [...new Set(items.map((a) => a.type))].sort(), [items]);
  const sensors = useMemo(
    () => [...new Set(items.map((a) => a.sensor).filter((s): s is string => !!s))].sort(),
    [items],
  );
  const min = minSeverity ? severityRank(minSeverity) : 0;
  const shown = items.filter((a) =>
    (!type || a.type === type) && severityRank(a.severity) >= min && (!sensor || a.sensor === sensor)
  );

  return (
    <section class="card feed" aria-labelledby="feed-title">
      <div class="card-head">
        <h2 id="feed-title">Live anomalies</h2>
        <span class={`badge ${status}`} data-status={status} role="status">{status}</span>
        <button
          type="button"
          class="btn"
          data-action="pause"
          aria-pressed={paused}
          onClick={() => (paused ? resume() : setPaused(true))}
        >
          {paused ? `Resume${held.length ? ` (${formatCount(held.length)} new)` : ""}` : "Pause"}
        </button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Type
          <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">all</option>
            {types.map((t) => <option key={t} value={t}>{label(t)}</option>)}
          </select>
        </label>
        <label>
          Severity
          <select
            name="minSeverity"
            value={minSeverity}
            onChange={(e) => setMinSeverity(e.currentTarget.value as Severity | "")}
          >
            <option value="">any</option>
            {SEVERITIES.map((s) => <option key={s} value={s}>{s} and up</option>)}
          </select>
        </label>
        <label>
          Sensor
          <select name="sensor" value={sensor} onChange={(e) => setSensor(e.currentTarget.value)}>
            <option value="">all</option>
            {sensors.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <span class="muted" data-role="count">
          {shown.length === items.length
            ? `${formatCount(items.length)} shown`
            : `${formatCount(shown.length)} of ${formatCount(items.length)} shown`}
        </span>
      </form>
      {items.length === 0
        ? <p class="empty">No anomalies yet. They appear here as they are detected.</p>
        : (
          <ol class="anomalies" aria-live={paused ? "off" : "polite"}>
            {shown.map((a) => (
              <li key={a.id} class={`anomaly sev-${a.severity}`} data-id={a.id} data-type={a.type}>
                <span class="sev">{a.severity}</span>
                <span class="type">{label(a.type)}</span>
                {a.ip === "*"
                  ? <span class="ip">all sources</span>
                  : <a class="ip" href={`/ip/${encodeURIComponent(a.ip)}`}>{a.ip}</a>}
                <span class="reason">{a.reason}</span>
                <Time iso={a.lastTs} style="time" />
              </li>
            ))}
          </ol>
        )}
    </section>
  );
}
