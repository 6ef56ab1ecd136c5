/**
 * Formatting for people, shared by pages (server) and islands (browser): numbers, bytes,
 * durations and times. Server renders use UTC; the browser switches times to the viewer's
 * zone (`localiseTimes`, `components/Time.tsx`), keeping UTC in the hover title.
 */

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat("en");

/** 1234 -> "1,234"; from 100 000 on, "123K". */
export function formatCount(n: number): string {
  return Math.abs(n) >= 100_000 ? compact.format(n) : plain.format(Math.round(n * 10) / 10);
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 95000 -> "1m 35s"; 3 days -> "3d 0h". */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "2026-11-25 10:00:08 UTC" */
export function formatUtc(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

/** How a time is shown: a full date and time, or the time of day only. */
export type TimeStyle = "datetime" | "time";

/** A time in the viewer's zone (browser) with the zone's short name. */
export function formatLocal(iso: string | number, style: TimeStyle = "datetime"): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const opts: Intl.DateTimeFormatOptions = style === "time"
    ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }
    : {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    };
  return new Intl.DateTimeFormat(undefined, opts).format(d);
}

/**
 * A chart axis label in the viewer's zone: the time of day ("22:05", or "22:05:30" with
 * `seconds`) while the axis spans at most a day, else with the date ("Dec 4, 22:05"), so that
 * labels of a 7-day range do not repeat the same times for different days.
 */
export function formatAxis(ms: number, spanMs: number, seconds = false): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const time: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (spanMs > 86_400_000) {
    return new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", ...time }).format(d);
  }
  return new Intl.DateTimeFormat(undefined, seconds ? { ...time, second: "2-digit" } : time).format(d);
}

/** The server's rendering of a time: UTC, time of day only for `time`. */
export function formatServer(iso: string | number, style: TimeStyle = "datetime"): string {
  const full = formatUtc(iso);
  return style === "time" ? full.slice(11) : full;
}

/** In the browser: rewrite every server-rendered `time[data-style]` outside islands to the viewer's zone. */
export function localiseTimes(root: ParentNode): void {
  for (const t of root.querySelectorAll<HTMLTimeElement>("time[data-style]")) {
    if (t.closest("[data-island]")) continue; // islands render their own
    t.textContent = formatLocal(t.dateTime, t.dataset.style as TimeStyle);
  }
}
