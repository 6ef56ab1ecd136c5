import assert from "node:assert/strict";
import {
  BLOCK_SPAN_MS,
  newestEvents,
  pageEvents,
  prepareBlocks,
  readBlocks,
  scanEvents,
  writeBlock,
} from "../../lib/event_log.ts";
import { HttpError } from "../../lib/http_error.ts";
import type { NormalisedEvent } from "../../lib/schema.ts";

const T0 = Date.parse("2026-11-25T00:00:00Z");

function ev(id: string, ts: number, ip: string, extra: Partial<NormalisedEvent> = {}): NormalisedEvent {
  return { id, ts, sensor: "vm1", source: "cowrie", kind: "connect", src_ip: ip, ...extra };
}

/** A seeded generator (xorshift), so the layouts below are the same every run. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function store(kv: Deno.Kv, batchId: string, events: NormalisedEvent[]) {
  const op = kv.atomic();
  for (const b of prepareBlocks(batchId, events)) writeBlock(op, b, 86_400_000);
  assert.ok((await op.commit()).ok);
}

const newest = (a: NormalisedEvent, b: NormalisedEvent) =>
  b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Three sensors whose batches overlap in time, events out of order inside batches, ties in ts. */
async function overlapping(kv: Deno.Kv): Promise<NormalisedEvent[]> {
  const rand = rng(42);
  const all: NormalisedEvent[] = [];
  for (let b = 0; b < 12; b++) {
    for (const sensor of ["a", "b", "c"]) {
      const events: NormalisedEvent[] = [];
      const n = 1 + Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) {
        const ts = T0 + b * 10_000 + Math.floor(rand() * 25_000); // overlaps the next batches
        const ip = `198.51.100.${Math.floor(rand() * 6)}`;
        events.push(
          ev(`${sensor}.${b}.${i}`, ts, ip, { sensor, kind: rand() < 0.3 ? "login_failed" : "connect" }),
        );
      }
      await store(kv, `${sensor}.${b}`, events);
      all.push(...events);
    }
  }
  return all.toSorted(newest);
}

async function walk(kv: Deno.Kv, q: Parameters<typeof pageEvents>[1], limit: number) {
  const out: NormalisedEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const p = await pageEvents(kv, q, limit, cursor);
    assert.ok(p.items.length <= limit);
    out.push(...p.items);
    if (p.cursor === null) return out;
    assert.ok(p.items.length === limit, "a page before the last is full");
    cursor = p.cursor;
  }
  throw new Error("paging did not end");
}

Deno.test("event log - blocks split by size and time span, deterministically", () => {
  const big = Array.from(
    { length: 600 },
    (_, i) => ev(`s.1.${i}`, T0 + i, "192.0.2.1", { command: "x".repeat(200) }),
  );
  const blocks = prepareBlocks("s.1", big);
  assert.ok(blocks.length > 1, "a 600-event batch of large events is several blocks");
  assert.deepEqual(blocks.map((b) => b.block.events.length).reduce((a, b) => a + b), 600);
  for (const b of blocks) assert.ok(JSON.stringify(b.block).length < 60_000, "each block fits a KV value");
  assert.deepEqual(prepareBlocks("s.1", big).map((b) => b.ref), blocks.map((b) => b.ref));
  const spread = [ev("s.2.0", T0, "192.0.2.1"), ev("s.2.1", T0 + BLOCK_SPAN_MS + 1, "192.0.2.1")];
  assert.equal(prepareBlocks("s.2", spread).length, 2, "a block never spans more than BLOCK_SPAN_MS");
});

Deno.test("event log - newest first in exact (ts, id) order across overlapping blocks, at every page size", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const expected = await overlapping(kv);
    for (const limit of [1, 3, 7, 50, 10_000]) {
      const got = await walk(kv, {}, limit);
      assert.deepEqual(got.map((e) => e.id), expected.map((e) => e.id), `page size ${limit}`);
    }
  } finally {
    kv.close();
  }
});

Deno.test("event log - per-IP, time-range and filtered reads page exactly", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const expected = await overlapping(kv);
    const ip = "198.51.100.3";
    const byIp = await walk(kv, { ip }, 4);
    assert.deepEqual(byIp.map((e) => e.id), expected.filter((e) => e.src_ip === ip).map((e) => e.id));
    const since = T0 + 40_000;
    const until = T0 + 90_000;
    const ranged = await walk(kv, { since, until, filter: (e) => e.kind === "login_failed" }, 5);
    assert.deepEqual(
      ranged.map((e) => e.id),
      expected.filter((e) => e.ts >= since && e.ts <= until && e.kind === "login_failed").map((e) => e.id),
    );
    const all: string[] = [];
    for await (const e of scanEvents(kv, { ip, since })) all.push(e.id);
    assert.deepEqual(all, expected.filter((e) => e.src_ip === ip && e.ts >= since).map((e) => e.id));
    const { events, truncated } = await newestEvents(kv, {}, 10);
    assert.equal(truncated, true);
    assert.deepEqual(events.map((e) => e.id), expected.slice(0, 10).reverse().map((e) => e.id));
  } finally {
    kv.close();
  }
});

Deno.test("event log - crash recovery reads a batch's blocks in arrival order", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const events = Array.from(
      { length: 300 },
      (_, i) =>
        ev(`s.9.${i}`, T0 + ((i * 7919) % 300), `192.0.2.${i % 50}`, {
          command: "y".repeat(300),
        }),
    );
    const blocks = prepareBlocks("s.9", events);
    const op = kv.atomic();
    for (const b of blocks) writeBlock(op, b, 86_400_000);
    await op.commit();
    assert.deepEqual(
      (await readBlocks(kv, blocks.map((b) => b.ref))).map((e) => e.id),
      events.map((e) => e.id),
    );
  } finally {
    kv.close();
  }
});

Deno.test("event log - a cursor it did not give out is a 400 that says so", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (const bad of ["nope", btoa('{"l":1,"o":[]}'), btoa('{"l":null,"o":[[["actor","x"],0]]}')]) {
      await assert.rejects(
        () => pageEvents(kv, {}, 10, bad),
        (e) => e instanceof HttpError && e.status === 400,
      );
    }
  } finally {
    kv.close();
  }
});
