/**
 * A seeded, deterministic stream of realistic Cowrie JSON records (Cowrie 3.0.4/3.0.5
 * shape) mixing internet background noise with scheduled, labelled attacks.
 *
 * How the clock works: event time advances by `1000 / rate` ms on average per record.
 * Each scenario is a script of records with offsets; at every tick the record that is
 * most overdue is emitted, and when none is due a new background session starts. So the
 * output rate is exact, sessions keep their natural pacing, and concurrency adapts to
 * the rate. A record's timestamp is the tick it is emitted at (never earlier than its
 * scripted time), so timestamps never go backwards.
 *
 * @example
 * for (const { record, label } of generateCowrie({ seed: 1, start: Date.now(), rate: 20 })) {
 *   send(record); // label is { ip, type } on attack records
 * }
 */
import { type CowrieRecord, cowrieTimestamp, type SensorInfo } from "./_cowrie.ts";
import { Rng } from "./_rng.ts";
import {
  bruteForce,
  malwareDownload,
  noisyScanner,
  normalLogin,
  portScan,
  proxyBot,
  publicIp,
  scanner,
  type Scenario,
  slowBruteForce,
  unusual,
} from "./scenarios.ts";

export { cowrieTimestamp, parseCowrieTimestamp } from "./_cowrie.ts";
export type { CowrieRecord, SensorInfo } from "./_cowrie.ts";

/** Attacks the live generator schedules. */
export const SCHEDULED_ATTACKS = [
  "brute_force",
  "slow_brute_force",
  "port_scan",
  "malware_download",
  "unusual",
] as const;
export type ScheduledAttack = typeof SCHEDULED_ATTACKS[number];

/** When an attack first starts and how often it recurs (event-time seconds; recurrences jitter by ±20 %). */
export interface AttackSchedule {
  firstAfterS: number;
  everyS: number;
}

/**
 * Defaults chosen for the demo at 20 events/s: within the first 30 s there is a brute-force
 * burst (>= 12 failures, fail2ban's 5 in 10 min passes after ~25 s), a port scan (>= 20
 * ports in 45 s) and a download; then each recurs from a fresh IP.
 */
export const DEFAULT_SCHEDULE: Readonly<Record<ScheduledAttack, AttackSchedule>> = Object.freeze({
  brute_force: { firstAfterS: 3, everyS: 75 },
  slow_brute_force: { firstAfterS: 1, everyS: 900 },
  port_scan: { firstAfterS: 6, everyS: 100 },
  malware_download: { firstAfterS: 12, everyS: 50 },
  unusual: { firstAfterS: 40, everyS: 240 },
});

/** Relative weights of the background session kinds. */
export const DEFAULT_BACKGROUND = Object.freeze({
  scanner: 60,
  noisy_scanner: 25,
  normal_login: 8,
  proxy_bot: 7,
});

export interface GenerateOptions {
  /** PRNG seed (default 1). Same seed and options, same stream. */
  seed?: number;
  /** Event time of the first record, UTC ms. */
  start: number;
  /** Records per second of event time (average). */
  rate: number;
  /** Per attack: a schedule, or `false` to switch it off. Missing attacks use DEFAULT_SCHEDULE. */
  scenarios?: Partial<Record<ScheduledAttack, Partial<AttackSchedule> | false>>;
  /** Background mix; a weight of 0 switches a kind off. */
  background?: Partial<Record<keyof typeof DEFAULT_BACKGROUND, number>>;
  /** Cowrie's `sensor` field (default "cowrie-01"). */
  sensor?: string;
  /** The honeypot's own address on `session.connect` (default 172.31.20.15:2222). */
  dstIp?: string;
  dstPort?: number;
}

export interface GeneratedRecord {
  record: CowrieRecord;
  /** Present on every record of an attack scenario. */
  label?: { ip: string; type: string };
}

/** The `uuid` field: a uuid1-shaped id fixed for a seed (Cowrie writes one per instance). */
export function sensorUuid(rng: Rng): string {
  return `${rng.hex(8)}-${rng.hex(4)}-11f1-${rng.hex(4)}-${rng.hex(12)}`;
}

/** Builds the per-sensor constants shared by every record. */
export function sensorInfo(
  rng: Rng,
  opts: { sensor?: string; dstIp?: string; dstPort?: number } = {},
): SensorInfo {
  return {
    sensor: opts.sensor ?? "cowrie-01",
    uuid: sensorUuid(rng),
    dstIp: opts.dstIp ?? "172.31.20.15",
    dstPort: opts.dstPort ?? 2222,
    seenFiles: new Set(),
  };
}

interface Running {
  scenario: Scenario;
  start: number;
  index: number;
  order: number;
}

const due = (r: Running) => r.start + r.scenario.steps[r.index].at;
const before = (a: Running, b: Running) => due(a) < due(b) || (due(a) === due(b) && a.order < b.order);

/** A binary min-heap on the due time of each running scenario's next record. */
class DueQueue {
  #h: Running[] = [];
  get size(): number {
    return this.#h.length;
  }
  peek(): Running | undefined {
    return this.#h[0];
  }
  push(r: Running): void {
    const h = this.#h;
    h.push(r);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Running | undefined {
    const h = this.#h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

const ATTACK_BUILDERS: Record<ScheduledAttack, (rng: Rng, info: SensorInfo, ip: string) => Scenario> = {
  // Faster than the replay defaults, so the demo shows each within its first 30 s.
  brute_force: (rng, info, ip) => bruteForce(rng, info, ip, { withinMs: 60_000 }),
  slow_brute_force: (rng, info, ip) => slowBruteForce(rng, info, ip),
  port_scan: (rng, info, ip) => portScan(rng, info, ip, { withinMs: 30_000 }),
  malware_download: malwareDownload,
  unusual,
};
const BACKGROUND_BUILDERS = {
  scanner,
  noisy_scanner: noisyScanner,
  normal_login: normalLogin,
  proxy_bot: proxyBot,
};

/** An infinite, deterministic stream of Cowrie records; see the module doc. */
export function* generateCowrie(opts: GenerateOptions): Generator<GeneratedRecord, never> {
  if (!(opts.rate > 0)) throw new RangeError(`Cannot generate: "rate" must be > 0, got ${opts.rate}`);
  if (!Number.isFinite(opts.start)) throw new RangeError(`Cannot generate: "start" is ${opts.start}`);
  const rng = new Rng(opts.seed ?? 1);
  // Separate streams, so that changing the background mix does not change the attacks.
  const info = sensorInfo(rng.fork(), opts);
  const bgRng = rng.fork();
  const attackRng = rng.fork();
  const clockRng = rng.fork();

  const bgKinds = Object.keys(DEFAULT_BACKGROUND) as (keyof typeof DEFAULT_BACKGROUND)[];
  const bgWeights = bgKinds.map((k) => opts.background?.[k] ?? DEFAULT_BACKGROUND[k]);
  if (!bgWeights.some((w) => w > 0)) throw new RangeError("Cannot generate: every background weight is 0");

  const schedule: { type: ScheduledAttack; next: number; every: number }[] = [];
  for (const type of SCHEDULED_ATTACKS) {
    const cfg = opts.scenarios?.[type];
    if (cfg === false) continue;
    const s = { ...DEFAULT_SCHEDULE[type], ...cfg };
    schedule.push({ type, next: opts.start + s.firstAfterS * 1000, every: s.everyS * 1000 });
  }

  const usedAttackIps = new Set<string>();
  const queue = new DueQueue();
  const mean = 1000 / opts.rate;
  let order = 0;
  let now = opts.start;
  let first = true;

  while (true) {
    if (!first) now += mean * clockRng.range(0.5, 1.5);
    first = false;

    for (const s of schedule) {
      while (s.next <= now) {
        let ip = publicIp(attackRng, true);
        while (usedAttackIps.has(ip)) ip = publicIp(attackRng, true);
        usedAttackIps.add(ip);
        queue.push({
          scenario: ATTACK_BUILDERS[s.type](attackRng, info, ip),
          start: s.next,
          index: 0,
          order: order++,
        });
        s.next += s.every * attackRng.range(0.8, 1.2);
      }
    }

    const top = queue.peek();
    if (!top || due(top) > now) {
      const kind = bgKinds[bgRng.weighted(bgWeights)];
      const sc = BACKGROUND_BUILDERS[kind](bgRng, info, publicIp(bgRng, false));
      queue.push({ scenario: sc, start: now, index: 0, order: order++ });
    }

    const run = queue.pop()!;
    const { scenario } = run;
    const record = { ...scenario.steps[run.index].record, timestamp: cowrieTimestamp(now) };
    run.index++;
    if (run.index < scenario.steps.length) queue.push(run);
    yield scenario.attack ? { record, label: { ip: scenario.ip, type: scenario.type } } : { record };
  }
}
