/**
 * A Cowrie session as terminal lines with their time offsets, for the replay island. Pure:
 * runs on the server (to build the island's props) and in the browser. Every string an
 * attacker typed stays plain text; the island renders it as text nodes.
 */
import type { NormalisedEvent } from "./schema.ts";

/** One line of a replayed session. */
export interface ReplayLine {
  /** Milliseconds since the session's first event. */
  at: number;
  /** `in` is what the attacker typed, `out` the honeypot's answer, `meta` a note about the connection. */
  style: "in" | "out" | "meta";
  /** The prompt shown before `in` lines. */
  prompt?: string;
  text: string;
}

/** One session ready to replay. */
export interface ReplaySession {
  id: string;
  sensor: string;
  /** ISO time of the first event. */
  start: string;
  durationMs: number;
  lines: ReplayLine[];
  /** Set when `lines` come from the session's Cowrie TTY log: its SHA-256. */
  ttylog?: string;
}

/** Kinds that say something about a session's terminal. */
const SHOWN = new Set([
  "connect",
  "client_version",
  "login_failed",
  "login_success",
  "command",
  "command_failed",
  "session_input",
  "download",
  "download_failed",
  "upload",
  "closed",
]);

const clip = (s: string) => (s.length > 2000 ? s.slice(0, 2000) + "…" : s);

/** Lines of one session's events (any order). */
export function replayLines(events: readonly NormalisedEvent[]): ReplayLine[] {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  const t0 = sorted[0]?.ts ?? 0;
  let user = "root";
  const out: ReplayLine[] = [];
  for (const ev of sorted) {
    const at = ev.ts - t0;
    switch (ev.kind) {
      case "connect":
        out.push({ at, style: "meta", text: `connection from ${ev.src_ip}:${ev.src_port ?? "?"}` });
        break;
      case "client_version":
        out.push({ at, style: "meta", text: `client ${clip(ev.client ?? "")}` });
        break;
      case "login_failed":
      case "login_success":
        if (ev.username !== undefined) user = ev.username.slice(0, 32);
        out.push({ at, style: "in", prompt: "login as: ", text: clip(ev.username ?? "") });
        out.push({ at, style: "in", prompt: "password: ", text: clip(ev.password ?? "") });
        out.push({
          at,
          style: "out",
          text: ev.kind === "login_success"
            ? "Last login: (accepted)"
            : "Permission denied, please try again.",
        });
        break;
      case "command":
        out.push({ at, style: "in", prompt: `${user}@${ev.sensor}:~$ `, text: clip(ev.command ?? "") });
        break;
      case "command_failed":
        out.push({ at, style: "out", text: `-bash: ${clip(ev.command ?? "")}: command not found` });
        break;
      case "session_input":
        out.push({ at, style: "in", prompt: "> ", text: clip(ev.command ?? "") });
        break;
      case "download":
      case "upload":
        out.push({
          at,
          style: "meta",
          text: `${ev.kind} ${clip(ev.url ?? "")}${ev.sha256 ? ` sha256 ${ev.sha256}` : ""}`,
        });
        break;
      case "download_failed":
        out.push({ at, style: "meta", text: `download failed ${clip(ev.url ?? "")}` });
        break;
      case "closed":
        out.push({ at, style: "meta", text: "connection closed" });
        break;
    }
  }
  return out;
}

/**
 * Replayable sessions of an IP's events: those with a login or a command, newest first, at
 * most `max` (each bounded to 400 lines).
 */
export function replaySessions(events: readonly NormalisedEvent[], max = 20): ReplaySession[] {
  const by = new Map<string, NormalisedEvent[]>();
  for (const ev of events) {
    if (ev.session === undefined || !SHOWN.has(ev.kind)) continue;
    const list = by.get(ev.session);
    if (list) list.push(ev);
    else by.set(ev.session, [ev]);
  }
  const out: ReplaySession[] = [];
  for (const [id, evs] of by) {
    if (!evs.some((e) => e.kind.startsWith("login") || e.kind.startsWith("command"))) continue;
    const lines = replayLines(evs).slice(0, 400);
    const start = Math.min(...evs.map((e) => e.ts));
    out.push({
      id,
      sensor: evs[0].sensor,
      start: new Date(start).toISOString(),
      durationMs: Math.max(...evs.map((e) => e.ts)) - start,
      lines,
    });
  }
  return out.sort((a, b) => (a.start < b.start ? 1 : -1)).slice(0, max);
}
