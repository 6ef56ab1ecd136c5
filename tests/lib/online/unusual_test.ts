import assert from "node:assert/strict";
import { type ActorState, newActor, step } from "../../../actors/actor.ts";
import { Unusual } from "../../../lib/online/unusual.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";
import { ev, T0 } from "../../actors/_events.ts";

/** Background actors: mostly one-shot scanners, some retrying, a few logging in to run `uname`. */
function scanner(i: number): { actor: ActorState; events: NormalisedEvent[] } {
  const ip = `198.51.${(i >> 8) & 255}.${i & 255}`;
  const at = i * 1000;
  const events = [ev(at, { id: `c${i}`, src_ip: ip, kind: "connect" })];
  const tries = 1 + (i * 7919) % 4;
  for (let k = 0; k < tries; k++) {
    events.push(
      ev(at + 10 + k, {
        id: `f${i}.${k}`,
        src_ip: ip,
        kind: "login_failed",
        username: "root",
        password: `p${(i + k) % 9}`,
      }),
    );
  }
  if (i % 10 === 3) {
    events.push(
      ev(at + 15, { id: `s${i}`, src_ip: ip, kind: "login_success", username: "root", password: "root" }),
    );
    events.push(ev(at + 16, { id: `u${i}`, src_ip: ip, kind: "command", command: `uname -${i % 4}` }));
  }
  events.push(ev(at + 20, { id: `x${i}`, src_ip: ip, kind: "closed", duration_ms: 300 + ((i * 31) % 997) }));
  const actor = newActor(ip);
  for (const e of events) step(actor, e, []);
  return { actor, events };
}

/** An actor with many never-seen commands and downloads. */
function intruder(at: number): { actor: ActorState; events: NormalisedEvent[] } {
  const ip = "203.0.113.66";
  const events: NormalisedEvent[] = [ev(at, { id: "i0", src_ip: ip, kind: "connect" })];
  events.push(ev(at + 1, { id: "i1", src_ip: ip, kind: "login_success", username: "root", password: "x" }));
  for (let k = 0; k < 12; k++) {
    events.push(ev(at + 10 + k, { id: `ic${k}`, src_ip: ip, kind: "command", command: `rare-${k} --flag` }));
  }
  for (let k = 0; k < 3; k++) {
    events.push(
      ev(at + 30 + k, { id: `id${k}`, src_ip: ip, kind: "download", sha256: `hash${k}`, bytes: 5e5 }),
    );
  }
  const actor = newActor(ip);
  for (const e of events) step(actor, e, []);
  return { actor, events };
}

/** The normal command table: common commands seen many times. */
function warmCommands(u: Unusual, n: number): void {
  const evs = Array.from(
    { length: n },
    (_, i) => ev(i, { id: `w${i}`, kind: "command", command: `uname -${i % 4}` }),
  );
  u.noteSignals(evs);
}

Deno.test("Unusual - nothing fires during the grace period, then an intruder is flagged and explained", () => {
  const u = new Unusual({ grace: 600, windowSize: 100 });
  warmCommands(u, 600);
  const early = intruder(0);
  u.noteSignals(early.events);
  assert.equal(u.step(early.actor, T0 + 40, "vm1", ["i0"]), null, "fired inside the grace period");
  for (let i = 0; i < 700; i++) {
    const { actor, events } = scanner(i);
    u.noteSignals(events);
    assert.equal(u.step(actor, T0 + i * 1000 + 20, "vm1", [events[0].id]), null, `background ${i} raised`);
  }
  assert.ok(u.learnt >= 600, `learnt ${u.learnt}`); // flagged vectors (about 1 %) are not learnt
  const late = intruder(800_000);
  late.actor.ip = "203.0.113.67";
  for (const e of late.events) e.src_ip = late.actor.ip;
  u.noteSignals(late.events);
  const learnt = u.learnt;
  const a = u.step(late.actor, T0 + 800_040, "vm1", ["i0"]);
  assert.ok(a, "intruder not flagged");
  assert.equal(u.learnt, learnt, "learnt from a flagged vector");
  assert.equal(a.type, "unusual");
  assert.equal(a.ip, "203.0.113.67");
  assert.ok(a.features.score >= a.features.threshold);
  assert.ok(a.features.rare_commands >= 12 || a.features.downloads === 3, JSON.stringify(a.features));
  assert.match(a.reason, /vs baseline/);
  // Still active: the same anomaly is updated, not repeated.
  const again = u.step(late.actor, T0 + 800_050, "vm1", ["i1"]);
  assert.equal(again?.id, a.id);
  assert.equal(again?.updates, 2);
});

Deno.test("Unusual - explain does not learn; fromJSON(toJSON) scores the same", () => {
  const u = new Unusual({ grace: 50, windowSize: 50 });
  for (let i = 0; i < 120; i++) {
    const { actor, events } = scanner(i);
    u.noteSignals(events);
    u.step(actor, T0 + i * 1000 + 20, "vm1", []);
  }
  const probe = intruder(200_000);
  const x = u.input(probe.actor, T0 + 200_040);
  const before = JSON.stringify(u.toJSON());
  const e1 = u.explain(x);
  assert.equal(JSON.stringify(u.toJSON()), before);
  const copy = Unusual.fromJSON(JSON.parse(before));
  assert.deepEqual(copy.explain(x), e1);
  assert.equal(copy.learnt, u.learnt);
});

Deno.test("Unusual - a feedback allowlist keeps an IP quiet", () => {
  const u = new Unusual({ grace: 0, windowSize: 20, minScore: 0, minRare: 0 });
  for (let i = 0; i < 60; i++) {
    const { actor, events } = scanner(i);
    u.noteSignals(events);
    u.step(actor, T0 + i * 1000 + 20, "vm1", []);
  }
  const probe = intruder(100_000);
  u.allow.add(probe.actor.ip);
  assert.equal(u.step(probe.actor, T0 + 100_040, "vm1", []), null);
  // The same behaviour from an IP not on the list is raised.
  const other = intruder(100_000);
  other.actor.ip = "203.0.113.99";
  assert.equal(u.step(other.actor, T0 + 100_040, "vm1", [])?.ip, "203.0.113.99");
});

Deno.test("Unusual - adapt swaps in a model trained on the recent window and pools the old one", () => {
  const u = new Unusual({ grace: 0, windowSize: 50 });
  for (let i = 0; i < 100; i++) {
    const { actor, events } = scanner(i);
    u.noteSignals(events);
    u.step(actor, T0 + i * 1000 + 20, "vm1", []);
  }
  // A new regime: every actor now logs in and runs a command.
  for (let i = 0; i < 60; i++) {
    const { actor } = intruder(200_000 + i * 1000);
    actor.ip = `192.0.2.${i}`;
    u.recent.push(
      Object.fromEntries(
        Object.entries(u.input(actor, T0 + 200_000 + i * 1000)).map(([k, v]) => [k, Math.min(1, v / 100)]),
      ),
    );
    if (u.recent.length > 50) u.recent.shift();
  }
  const old = u.filter.detector;
  const action = u.adapt();
  assert.notEqual(action, "kept");
  assert.notEqual(u.filter.detector, old);
  assert.ok(u.pool.includes(old));
  assert.ok(u.pool.length <= 3);
});

Deno.test("Unusual - signals: a download hash counts the first time only, a tty-log hash never, rare commands after warm-up", () => {
  const u = new Unusual({ rareWarmup: 10, rareBelow: 3 });
  const ip = "203.0.113.70";
  const actor = newActor(ip);
  const count = () => {
    const x = u.input(actor, T0 + 1000);
    return { rare: x.rare_commands, hashes: x.new_hashes };
  };
  // Before the warm-up every command is new, so none is rare.
  u.noteSignals([ev(1, { id: "r0", src_ip: ip, kind: "command", command: "wget http://x/y" })]);
  assert.deepEqual(count(), { rare: 0, hashes: 0 });
  warmCommands(u, 20);
  u.noteSignals([
    ev(2, { id: "r1", src_ip: ip, kind: "command", command: "cat /proc/cpuinfo | grep name" }),
    ev(3, { id: "r2", src_ip: ip, kind: "command", command: "uname -1" }), // common: seen 5 times
  ]);
  assert.deepEqual(count(), { rare: 1, hashes: 0 });
  // Cowrie hashes every session's tty log: a `closed` event's sha256 is no download.
  u.noteSignals([ev(4, { id: "t0", src_ip: ip, kind: "closed", sha256: "tty1" })]);
  assert.deepEqual(count(), { rare: 1, hashes: 0 });
  u.noteSignals([ev(5, { id: "d0", src_ip: ip, kind: "download", sha256: "mal1" })]);
  assert.deepEqual(count(), { rare: 1, hashes: 1 });
  // The same hash again (from anyone) is no longer news.
  u.noteSignals([ev(6, { id: "d1", src_ip: ip, kind: "download", sha256: "mal1" })]);
  assert.deepEqual(count(), { rare: 1, hashes: 1 });
});
