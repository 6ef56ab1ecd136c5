/**
 * An attacker's sessions as transcripts, built from stored events: login attempts,
 * commands, downloads with hashes, duration. Attacker strings are JSX text, never markup.
 */
import { formatBytes, formatSpan } from "../lib/format.ts";
import type { NormalisedEvent } from "../lib/schema.ts";
import { Time } from "./Time.tsx";

export interface Session {
  id: string;
  sensor: string;
  start: number;
  end: number;
  /** Cowrie's own duration when the session closed. */
  durationMs?: number;
  client?: string;
  events: NormalisedEvent[];
}

/** Group events (any order) into sessions, newest session first, events in time order. */
export function sessionsOf(events: readonly NormalisedEvent[]): Session[] {
  const by = new Map<string, Session>();
  for (const ev of events) {
    const id = ev.session ?? `${ev.sensor} (no session)`;
    let s = by.get(id);
    if (!s) by.set(id, s = { id, sensor: ev.sensor, start: ev.ts, end: ev.ts, events: [] });
    s.events.push(ev);
    s.start = Math.min(s.start, ev.ts);
    s.end = Math.max(s.end, ev.ts);
    if (ev.kind === "closed" && ev.duration_ms !== undefined) s.durationMs = ev.duration_ms;
    if (ev.kind === "client_version" && ev.client) s.client = ev.client;
  }
  const out = [...by.values()];
  for (const s of out) s.events.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  return out.sort((a, b) => b.start - a.start);
}

function Line({ ev }: { ev: NormalisedEvent }) {
  switch (ev.kind) {
    case "login_failed":
    case "login_success":
      return (
        <>
          <span class={`tag ${ev.kind === "login_success" ? "ok" : "bad"}`}>
            {ev.kind === "login_success" ? "login ok" : "login failed"}
          </span>
          <code>{ev.username ?? ""}</code> / <code>{ev.password ?? ""}</code>
        </>
      );
    case "command":
    case "command_failed":
      return (
        <>
          <span class="prompt">$</span> <code class="cmd">{ev.command ?? ""}</code>
          {ev.kind === "command_failed" && <span class="tag bad">unknown command</span>}
        </>
      );
    case "download":
    case "download_failed":
    case "upload":
      return (
        <>
          <span class={`tag ${ev.kind === "download_failed" ? "bad" : "warn"}`}>
            {ev.kind.replace("_", " ")}
          </span>
          <code class="url">{ev.url ?? ""}</code>
          {ev.sha256 && (
            <span class="hash">
              sha256 <code>{ev.sha256}</code>
            </span>
          )}
          {ev.bytes !== undefined && <span class="muted">{formatBytes(ev.bytes)}</span>}
        </>
      );
    case "connect":
      return (
        <>
          <span class="tag">connect</span>
          {`from port ${ev.src_port ?? "?"}${ev.dst_port !== undefined ? ` to port ${ev.dst_port}` : ""}`}
        </>
      );
    case "client_version":
      return (
        <>
          <span class="tag">client</span> <code>{ev.client ?? ""}</code>
        </>
      );
    case "client_kex":
      return (
        <>
          <span class="tag">kex</span> hassh <code>{ev.hassh ?? ""}</code>
        </>
      );
    case "closed":
      return (
        <>
          <span class="tag">closed</span>
          {ev.duration_ms !== undefined && `after ${formatSpan(ev.duration_ms)}`}
        </>
      );
    default:
      return (
        <>
          <span class="tag">{ev.kind.replaceAll("_", " ")}</span>
          {[ev.dst_port !== undefined ? `port ${ev.dst_port}` : "", ev.proto ?? ""].filter(Boolean).join(" ")}
          {ev.eventid && <span class="muted">{ev.eventid}</span>}
        </>
      );
  }
}

export function Transcript({ session }: { session: Session }) {
  const logins = session.events.filter((e) => e.kind === "login_failed" || e.kind === "login_success").length;
  const commands = session.events.filter((e) => e.kind === "command" || e.kind === "command_failed").length;
  return (
    <article class="card session" data-session={session.id}>
      <header class="session-head">
        <h3>
          Session <code>{session.id}</code>
        </h3>
        <span class="muted">
          {session.sensor} · <Time iso={new Date(session.start).toISOString()} /> ·{" "}
          {`${
            formatSpan(session.durationMs ?? session.end - session.start)
          } · ${logins} logins · ${commands} commands`}
          {session.client && " · "}
          {session.client && <code>{session.client}</code>}
        </span>
      </header>
      <ol class="transcript">
        {session.events.map((ev) => (
          <li key={ev.id} id={`ev-${ev.id}`} data-kind={ev.kind}>
            <Time iso={new Date(ev.ts).toISOString()} style="time" />
            <span class="line">
              <Line ev={ev} />
            </span>
          </li>
        ))}
      </ol>
    </article>
  );
}
