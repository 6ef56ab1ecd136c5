/**
 * Replays a Cowrie session as a terminal transcript with its original timing (long pauses
 * shortened), with play/pause, restart and speed: the terminal's own output when the session's
 * TTY log was shipped (collector `--ttylog-dir`), otherwise lines built from its events. The
 * server renders the whole transcript, so the page reads without JavaScript; every attacker
 * string is a text node.
 */
import { useEffect, useState } from "preact/hooks";
import type { ReplaySession } from "../lib/session_replay.ts";

export interface SessionReplayProps {
  sessions: ReplaySession[];
}

/** Longest real-time pause between two lines at 1x, so idle bots do not stall the replay. */
const MAX_GAP_MS = 3_000;
const SPEEDS = [1, 4, 16];

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function SessionReplay({ sessions }: SessionReplayProps) {
  const [index, setIndex] = useState(0);
  const session = sessions[index];
  const total = session?.lines.length ?? 0;
  const [shown, setShown] = useState(total);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  // "true" once hydrated: the controls work from then on.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);

  useEffect(() => {
    if (!playing || !session) return;
    if (shown >= total) {
      setPlaying(false);
      return;
    }
    const prev = shown === 0 ? 0 : session.lines[shown - 1].at;
    const gap = Math.min(Math.max(0, session.lines[shown].at - prev), MAX_GAP_MS) / speed;
    const timer = setTimeout(() => setShown(shown + 1), gap);
    return () => clearTimeout(timer);
  }, [playing, shown, speed, session, total]);

  if (!session) return <p class="empty">No session with logins or commands to replay.</p>;
  const elapsed = shown === 0 ? 0 : session.lines[shown - 1].at;
  const last = session.lines[total - 1]?.at ?? 0;

  return (
    <section class="card replay" aria-label="Session replay" data-ready={ready ? "true" : "false"}>
      <header class="card-head">
        <h2>Session replay</h2>
        <label>
          Session{" "}
          <select
            value={String(index)}
            onChange={(e) => {
              const i = Number((e.target as HTMLSelectElement).value);
              setIndex(i);
              setShown(sessions[i].lines.length);
              setPlaying(false);
            }}
          >
            {sessions.map((s, i) => (
              <option key={s.id} value={String(i)}>
                {s.id} · {s.start.slice(0, 19).replace("T", " ")}Z · {s.lines.length} lines
              </option>
            ))}
          </select>
        </label>
      </header>
      <div class="replay-controls">
        <button
          type="button"
          class="btn"
          data-action="play"
          onClick={() => {
            if (shown >= total) setShown(0);
            setPlaying(!playing);
          }}
        >
          {playing ? "Pause" : "Play"}
        </button>
        <button
          type="button"
          class="btn"
          data-action="restart"
          onClick={() => {
            setShown(0);
            setPlaying(true);
          }}
        >
          Restart
        </button>
        <label>
          Speed{" "}
          <select
            value={String(speed)}
            onChange={(e) => setSpeed(Number((e.target as HTMLSelectElement).value))}
          >
            {SPEEDS.map((s) => <option key={s} value={String(s)}>{s}×</option>)}
          </select>
        </label>
        <span class="muted" data-progress>
          {shown}/{total} lines · {clock(elapsed)} of {clock(last)} · {session.sensor}
        </span>
        <span class="muted" data-source={session.ttylog ? "ttylog" : "events"}>
          {session.ttylog
            ? (
              <>
                from the <a href={`/api/ttylogs/${session.ttylog}/raw`}>TTY log</a>
              </>
            )
            : "from logged events"}
        </span>
      </div>
      <pre class="replay-term" data-session={session.id} data-playing={playing ? "true" : "false"}>
        {session.lines.slice(0, shown).map((l, i) => (
          <div key={i} class={`rl ${l.style}`}>
            {l.prompt && <span class="prompt">{l.prompt}</span>}
            {l.text}
          </div>
        ))}
        {playing && <span class="cursor">▌</span>}
      </pre>
    </section>
  );
}
