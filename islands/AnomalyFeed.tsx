/**
 * Live anomaly feed: the server renders the latest anomalies; once hydrated, the island
 * subscribes to `/api/stream` and puts new or updated anomalies on top.
 */
import { useEffect, useState } from "preact/hooks";
import type { Anomaly } from "../lib/schema.ts";

export interface AnomalyFeedProps {
  initial: Anomaly[];
  /** SSE endpoint, with filters in its query. */
  streamUrl: string;
  /** The feed keeps at most this many rows. */
  max?: number;
}

type Status = "connecting" | "live" | "reconnecting";

export function AnomalyFeed({ initial, streamUrl, max = 200 }: AnomalyFeedProps) {
  const [items, setItems] = useState<Anomaly[]>(initial);
  const [status, setStatus] = useState<Status>("connecting");

  useEffect(() => {
    // Browser-only: EventSource lives in the effect and is closed on cleanup.
    const es = new EventSource(streamUrl);
    es.onopen = () => setStatus("live");
    es.onerror = () => setStatus("reconnecting");
    es.addEventListener("anomaly", (e) => {
      const a = JSON.parse((e as MessageEvent<string>).data) as Anomaly;
      setItems((prev) => [a, ...prev.filter((p) => p.id !== a.id)].slice(0, max));
    });
    return () => es.close();
  }, [streamUrl, max]);

  return (
    <section class="feed" aria-live="polite">
      <h2>
        Live anomalies <span class={`badge ${status}`} data-status={status}>{status}</span>
      </h2>
      {items.length === 0
        ? <p class="empty">No anomalies yet. They appear here as they are detected.</p>
        : (
          <ol class="anomalies">
            {items.map((a) => (
              <li key={a.id} class={`anomaly sev-${a.severity}`} data-id={a.id} data-type={a.type}>
                <span class="sev">{a.severity}</span>
                <span class="type">{a.type.replaceAll("_", " ")}</span>
                <span class="ip">{a.ip}</span>
                <span class="reason">{a.reason}</span>
                <time dateTime={a.lastTs} title={`${a.ts} UTC`}>{a.lastTs.slice(11, 19)}Z</time>
              </li>
            ))}
          </ol>
        )}
    </section>
  );
}
