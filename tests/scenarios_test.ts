/**
 * Detection scenarios: each folder under `tests/scenarios/` holds Cowrie lines
 * (`events.jsonl`) and the anomalies they must raise (`expected.json`). Lines are parsed
 * with `parseCowrieLine`, given ids the way the pipeline does (`sensor.seq.index`, 100
 * lines a batch), and replayed on event time through `step` with the default detectors.
 */
import assert from "node:assert/strict";
import { type ActorState, newActor, step, takeUnsent } from "../actors/actor.ts";
import { ActorSystem } from "../actors/system.ts";
import { FakeClock } from "../lib/clock.ts";
import { buildDetectors } from "../lib/detectors/mod.ts";
import { parseCowrieLine } from "../lib/parsers/cowrie.ts";
import { Anomaly, type NormalisedEvent } from "../lib/schema.ts";

const SENSOR = "vm1";
const BATCH = 100;
const ROOT = new URL("./scenarios/", import.meta.url);

/** An anomaly as `expected.json` states it: as raised, and as last published. */
interface Summary {
  type: string;
  ip: string;
  ts: string;
  value: number;
  severity: string;
  final: { value: number; severity: string; updates: number; lastTs: string };
}

interface Expected {
  description: string;
  rejected: number;
  distinct_ids: number;
  anomalies: Summary[];
}

interface Scenario {
  /** Accepted events by batch (seq = index + 1). */
  batches: NormalisedEvent[][];
  events: NormalisedEvent[];
  rejected: number;
  expected: Expected;
}

function load(name: string): Scenario {
  const dir = new URL(`${name}/`, ROOT);
  const lines = Deno.readTextFileSync(new URL("events.jsonl", dir)).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const batches: NormalisedEvent[][] = [];
  let rejected = 0;
  lines.forEach((line, n) => {
    const seq = Math.floor(n / BATCH) + 1;
    const r = parseCowrieLine(line, SENSOR);
    batches[seq - 1] ??= [];
    if (r.ok === true) batches[seq - 1].push({ ...r.event, id: `${SENSOR}.${seq}.${n % BATCH}` });
    else if (r.ok === false) rejected++;
  });
  const expected = JSON.parse(Deno.readTextFileSync(new URL("expected.json", dir))) as Expected;
  return { batches, events: batches.flat(), rejected, expected };
}

/** Every anomaly published, in order: from `step`, then the updates held back, at the end. */
function replay(events: readonly NormalisedEvent[]): Anomaly[] {
  const detectors = buildDetectors();
  const actors = new Map<string, ActorState>();
  const out: Anomaly[] = [];
  for (const ev of events) {
    let s = actors.get(ev.src_ip);
    if (!s) actors.set(ev.src_ip, s = newActor(ev.src_ip));
    out.push(...step(s, ev, detectors).anomalies);
  }
  for (const s of actors.values()) out.push(...takeUnsent(s));
  return out;
}

/** The same replay through an ActorSystem on in-memory KV, flushing after every batch. */
async function replayThroughSystem(batches: readonly NormalisedEvent[][]): Promise<Anomaly[]> {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock(0);
    const sys = new ActorSystem(kv, { clock, detectors: buildDetectors() });
    const out: Anomaly[] = [];
    sys.onAnomalies = (a) => Promise.resolve(void out.push(...a));
    for (const [i, batch] of batches.entries()) {
      if (batch.length === 0) continue;
      clock.set(Math.max(...batch.map((e) => e.ts)));
      out.push(...await sys.apply(batch, { instance: "replay", batch: i + 1 }));
      await sys.flush();
    }
    await sys.close();
    return out;
  } finally {
    kv.close();
  }
}

/** One summary per anomaly id, ordered by raise time: first publication and last. */
function summarise(stream: readonly Anomaly[]): Summary[] {
  const first = new Map<string, Anomaly>();
  const last = new Map<string, Anomaly>();
  for (const a of stream) {
    if (!first.has(a.id)) first.set(a.id, a);
    last.set(a.id, a);
  }
  return [...first.values()].map((a) => {
    const z = last.get(a.id)!;
    return {
      type: a.type,
      ip: a.ip,
      ts: a.ts,
      value: a.value,
      severity: a.severity,
      final: { value: z.value, severity: z.severity, updates: z.updates, lastTs: z.lastTs },
    };
  }).sort(byRaise);
}

function byRaise(a: Summary, b: Summary): number {
  return a.ts < b.ts
    ? -1
    : a.ts > b.ts
    ? 1
    : a.type < b.type
    ? -1
    : a.type > b.type
    ? 1
    : a.ip < b.ip
    ? -1
    : 1;
}

const names = [...Deno.readDirSync(ROOT)].filter((e) => e.isDirectory).map((e) => e.name).sort();

Deno.test("scenarios - every required scenario has a folder", () => {
  for (const n of ["benign", "brute_force", "mixed", "port_scan", "rate_burst", "slow_brute_force"]) {
    assert.ok(names.includes(n), n);
  }
});

for (const name of names) {
  Deno.test(`scenarios/${name} - raises the expected anomalies`, () => {
    const sc = load(name);
    assert.equal(sc.rejected, sc.expected.rejected, "rejected lines");
    const stream = replay(sc.events);
    const ids = new Set(stream.map((a) => a.id));
    assert.equal(ids.size, sc.expected.distinct_ids, "distinct anomaly ids");
    assert.deepEqual(summarise(stream), [...sc.expected.anomalies].sort(byRaise));

    const byId = new Map(sc.events.map((e) => [e.id, e]));
    for (const a of stream) {
      Anomaly.parse(a);
      // The id names the raising event, whose time is the anomaly's ts.
      const raisedBy = byId.get(a.id.slice(a.type.length + 1));
      assert.ok(raisedBy, `${a.id}: no event ${a.id.slice(a.type.length + 1)}`);
      assert.equal(a.id, `${a.type}-${raisedBy.id}`);
      assert.equal(new Date(raisedBy.ts).toISOString(), a.ts, a.id);
      assert.equal(raisedBy.src_ip, a.ip, a.id);
      // Evidence is bounded and made of this IP's events.
      assert.ok(
        a.evidence.length > 0 && a.evidence.length <= 30,
        `${a.id}: ${a.evidence.length} evidence ids`,
      );
      for (const id of a.evidence) assert.equal(byId.get(id)?.src_ip, a.ip, `${a.id}: evidence ${id}`);
    }
  });

  Deno.test(`scenarios/${name} - replaying twice gives identical output`, () => {
    const sc = load(name);
    assert.deepEqual(replay(sc.events), replay(load(name).events));
  });

  Deno.test(`scenarios/${name} - the actor system on KV raises the same anomalies as step`, async () => {
    const sc = load(name);
    assert.deepEqual(summarise(await replayThroughSystem(sc.batches)), summarise(replay(sc.events)));
  });
}
