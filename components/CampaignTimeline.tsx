/**
 * A campaign's activity over time as server-rendered SVG bars (no script, no inline style,
 * so it passes the page's Content-Security-Policy). Minutes are folded into hours when the
 * campaign spans more than six hours.
 */

export interface TimelineProps {
  timeline: { t: string; events: number }[];
}

const W = 600;
const H = 60;

/** Fold per-minute counts into at most 360 bars (minutes, or hours for long campaigns). */
export function foldTimeline(
  timeline: TimelineProps["timeline"],
): { t: number; n: number; stepMs: number }[] {
  if (timeline.length === 0) return [];
  const first = Date.parse(timeline[0].t);
  const last = Date.parse(timeline[timeline.length - 1].t);
  const stepMs = last - first > 6 * 3_600_000 ? 3_600_000 : 60_000;
  const bars = new Map<number, number>();
  for (const b of timeline) {
    const t = Math.floor(Date.parse(b.t) / stepMs) * stepMs;
    bars.set(t, (bars.get(t) ?? 0) + b.events);
  }
  return [...bars.entries()].sort((a, b) => a[0] - b[0]).map(([t, n]) => ({ t, n, stepMs }));
}

export function CampaignTimeline({ timeline }: TimelineProps) {
  const bars = foldTimeline(timeline);
  if (bars.length === 0) return <p class="empty">No activity recorded.</p>;
  const t0 = bars[0].t;
  const span = Math.max(bars[bars.length - 1].t - t0 + bars[0].stepMs, bars[0].stepMs);
  const max = Math.max(...bars.map((b) => b.n));
  const bw = Math.max(1, (W * bars[0].stepMs) / span - 1);
  const unit = bars[0].stepMs === 60_000 ? "minute" : "hour";
  return (
    <figure class="timeline">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        height={H}
        role="img"
        aria-label={`Events of member IPs per ${unit}`}
        preserveAspectRatio="none"
      >
        {bars.map((b) => {
          const h = Math.max(1, Math.round((b.n / max) * (H - 2)));
          return (
            <rect key={b.t} class="bar" x={((b.t - t0) / span) * W} y={H - h} width={bw} height={h}>
              <title>{`${new Date(b.t).toISOString().slice(0, 16)}Z: ${b.n} events`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption class="muted">
        Events of member IPs per {unit}, {new Date(t0).toISOString().slice(0, 16).replace("T", " ")}Z onwards
      </figcaption>
    </figure>
  );
}
