/** Each sensor's health: connection, lag, spool, drops, last event; refreshed from `/api/sensors`. */
import { useEffect, useState } from "preact/hooks";
import { Time } from "../components/Time.tsx";
import { formatBytes, formatCount } from "../lib/format.ts";
import type { SensorView } from "../lib/sensors.ts";

export interface SensorTableProps {
  initial: SensorView[];
  /** Show every column (the sensors page) or the essentials (the dashboard). */
  full?: boolean;
  refreshMs?: number;
}

export function SensorTable({ initial, full = false, refreshMs = 5000 }: SensorTableProps) {
  const [items, setItems] = useState<SensorView[]>(initial);
  useEffect(() => {
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const res = await fetch("/api/sensors");
        if (res.ok && !stopped) setItems((await res.json()).items);
      } catch { /* offline: keep the last view */ }
    }, refreshMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [refreshMs]);
  if (items.length === 0) return <p class="empty">No sensor has sent anything yet.</p>;
  return (
    <div class="table-wrap">
      <table class="sensors">
        <thead>
          <tr>
            <th scope="col">Sensor</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Events</th>
            <th scope="col" class="num">Lag</th>
            <th scope="col" class="num">Spool</th>
            {full && <th scope="col" class="num">Rejected</th>}
            {full && <th scope="col" class="num">Dropped</th>}
            {full && <th scope="col" class="num">Last seq</th>}
            <th scope="col">Last event</th>
            {full && <th scope="col">Last heard</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.sensor} data-sensor={s.sensor}>
              <th scope="row">
                {s.sensor}
                {s.role && <span class="muted">{` · ${s.role}`}</span>}
              </th>
              <td>
                <span class={`badge ${s.connected ? "live" : "offline"}`}>
                  {s.connected ? "connected" : "disconnected"}
                </span>
              </td>
              <td class="num" data-label="Events">{formatCount(s.events)}</td>
              <td class="num" data-label="Lag">{formatBytes(s.lagBytes)}</td>
              <td class="num" data-label="Spool">{formatBytes(s.spoolBytes)}</td>
              {full && <td class="num" data-label="Rejected">{formatCount(s.rejected)}</td>}
              {full && <td class="num" data-label="Dropped">{formatCount(s.dropped)}</td>}
              {full && <td class="num" data-label="Last seq">{formatCount(s.lastSeq)}</td>}
              <td data-label="Last event">
                {s.lastEventTs ? <Time iso={s.lastEventTs} /> : <span class="muted">never</span>}
              </td>
              {full && (
                <td data-label="Last heard">
                  {s.lastSeen ? <Time iso={s.lastSeen} /> : <span class="muted">never</span>}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
