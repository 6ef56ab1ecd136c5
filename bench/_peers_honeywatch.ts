/**
 * honeywatch on the peers' auth.log, in process: read the file, parse every line with the sshd
 * parser, normalise (give the event its id), run the per-IP actor step with every detector.
 * The same work the pipeline does per sshd line, without KV (durable writes are bench/e2e.ts).
 */
import { type ActorState, newActor, step } from "../actors/actor.ts";
import { buildDetectors } from "../lib/detectors/mod.ts";
import { createSshdParser } from "../lib/parsers/sshd.ts";
import type { NormalisedEvent } from "../lib/schema.ts";

/** One pass of honeywatch over a file. */
export interface HoneywatchRun {
  lines: number;
  ms: number;
  events: number;
  skipped: number;
  rejected: number;
  actors: number;
  /** Anomalies emitted (raised or updated), by type. */
  anomalies: Record<string, number>;
  /** IPs with at least one anomaly, by anomaly type. */
  ipsByType: Map<string, Set<string>>;
}

/** Parse and step every line of `path`; `year` is the year of the file's first line. */
export async function runHoneywatch(path: string, year: number): Promise<HoneywatchRun> {
  const t0 = performance.now();
  const text = await Deno.readTextFile(path);
  const parser = createSshdParser({ sensor: "bench", year });
  const detectors = buildDetectors();
  const actors = new Map<string, ActorState>();
  const anomalies: Record<string, number> = {};
  const ipsByType = new Map<string, Set<string>>();
  let lines = 0, events = 0, skipped = 0, rejected = 0;
  // Walk the text rather than split it: no second copy of a 100 MB file as a million strings.
  for (let at = 0; at < text.length;) {
    let nl = text.indexOf("\n", at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, nl);
    at = nl + 1;
    if (line === "") continue;
    lines++;
    const r = parser.parse(line);
    if (r.ok !== true) {
      if (r.ok === "skip") skipped++;
      else rejected++;
      continue;
    }
    const ev = r.event as NormalisedEvent;
    ev.id = `bench.${lines}`;
    events++;
    let a = actors.get(ev.src_ip);
    if (a === undefined) actors.set(ev.src_ip, a = newActor(ev.src_ip));
    for (const an of step(a, ev, detectors).anomalies) {
      anomalies[an.type] = (anomalies[an.type] ?? 0) + 1;
      let set = ipsByType.get(an.type);
      if (set === undefined) ipsByType.set(an.type, set = new Set());
      set.add(an.ip);
    }
  }
  return {
    lines,
    ms: performance.now() - t0,
    events,
    skipped,
    rejected,
    actors: actors.size,
    anomalies,
    ipsByType,
  };
}

/** What honeywatch's sshd parser counts for one IP, to explain a disagreement with a peer. */
export interface AttemptCount {
  /** The most attempts inside any window (a `message repeated N times` line counts N). */
  max: number;
  /** One of its lines was rsyslog's `message repeated N times: [ Failed ...]`, which peers count once. */
  repeated: boolean;
}

/**
 * For each IP of `ips`, the attempts honeywatch's sshd parser counts for it inside `windowMs`.
 * Untimed; it explains why honeywatch and a peer disagree on an IP: the peers count one attempt
 * up to three times (Invalid user, PAM and Failed lines) and a repeated line once.
 */
export async function attemptsInWindow(
  path: string,
  year: number,
  ips: Set<string>,
  windowMs: number,
): Promise<Map<string, AttemptCount>> {
  const text = await Deno.readTextFile(path);
  const parser = createSshdParser({ sensor: "bench", year });
  const times = new Map<string, number[]>();
  const repeated = new Set<string>();
  for (let at = 0; at < text.length;) {
    let nl = text.indexOf("\n", at);
    if (nl < 0) nl = text.length;
    const r = parser.parse(text.slice(at, nl));
    at = nl + 1;
    if (r.ok !== true || r.event.kind !== "login_failed" || !ips.has(r.event.src_ip)) continue;
    let ts = times.get(r.event.src_ip);
    if (ts === undefined) times.set(r.event.src_ip, ts = []);
    const n = typeof r.event.raw?.repeated === "number" ? r.event.raw.repeated : 1;
    if (n > 1) repeated.add(r.event.src_ip);
    for (let k = 0; k < n; k++) ts.push(r.event.ts);
  }
  const out = new Map<string, AttemptCount>();
  for (const ip of ips) {
    const t = (times.get(ip) ?? []).sort((a, b) => a - b);
    let max = 0;
    for (let i = 0, j = 0; i < t.length; i++) {
      while (t[i] - t[j] >= windowMs) j++;
      max = Math.max(max, i - j + 1);
    }
    out.set(ip, { max, repeated: repeated.has(ip) });
  }
  return out;
}
