import assert from "node:assert/strict";
import { Spool } from "../../collector/spool.ts";

const events = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ eventid: "x", tag, i }));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hw-spool-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Spool - seqs keep increasing across reopen, unacked batches come back in order", async () => {
  await withDir(async (dir) => {
    let s = await Spool.open({ dir, maxBytes: 1 << 20, policy: "block", ackedSeq: 0, lastSeq: 0 });
    for (let i = 0; i < 5; i++) await s.append("cowrie", events(3, `a${i}`), {});
    s.ack(2);
    await s.compact();
    await s.close();

    // Reopened with the checkpoint's acked seq: 3..5 are still owed, the next seq is 6.
    s = await Spool.open({ dir, maxBytes: 1 << 20, policy: "block", ackedSeq: 2, lastSeq: 2 });
    assert.equal(s.lastSeq, 5);
    const owed = [];
    for (let b = await s.next(0); b; b = await s.next(b.seq)) owed.push(b.seq);
    assert.deepEqual(owed, [3, 4, 5]);
    assert.equal((await s.append("cowrie", events(1, "b"), {})).seq, 6);
    s.ack(6);
    await s.compact();
    assert.ok(s.drained);
    assert.equal(s.bytes, 0);
    await s.close();

    // Everything acknowledged and deleted: the checkpoint's lastSeq alone carries the counter.
    s = await Spool.open({ dir, maxBytes: 1 << 20, policy: "block", ackedSeq: 6, lastSeq: 6 });
    assert.equal((await s.append("cowrie", events(1, "c"), {})).seq, 7);
    await s.close();
  });
});

Deno.test("Spool - a batch torn by a crash is dropped on open, the rest kept", async () => {
  await withDir(async (dir) => {
    const s = await Spool.open({ dir, maxBytes: 1 << 20, policy: "block", ackedSeq: 0, lastSeq: 0 });
    await s.append("cowrie", events(2, "a"), {});
    await s.append("cowrie", events(2, "b"), {});
    await s.close();
    const [seg] = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
    await Deno.writeTextFile(seg, '{"seq":3,"source":"cowrie","events":[{"ev', { append: true });
    const r = await Spool.open({ dir, maxBytes: 1 << 20, policy: "block", ackedSeq: 0, lastSeq: 0 });
    assert.equal(r.lastSeq, 2);
    assert.equal((await r.append("cowrie", events(1, "c"), {})).seq, 3);
    const seqs = [];
    for (let b = await r.next(0); b; b = await r.next(b.seq)) seqs.push(b.seq);
    assert.deepEqual(seqs, [1, 2, 3]);
    await r.close();
  });
});

Deno.test("Spool - drop-oldest stays within its bound and counts what it dropped", async () => {
  await withDir(async (dir) => {
    const max = 64 * 1024;
    const s = await Spool.open({ dir, maxBytes: max, policy: "drop-oldest", ackedSeq: 0, lastSeq: 0 });
    let total = 0;
    for (let i = 0; i < 200; i++) {
      await s.append("cowrie", events(10, `batch-${i}`), {});
      total += 10;
      assert.ok(s.bytes <= max, `${s.bytes} bytes`);
    }
    let kept = 0;
    for (let b = await s.next(0); b; b = await s.next(b.seq)) kept += b.events.length;
    assert.ok(s.dropped > 0);
    assert.equal(kept + s.dropped, total);
    await s.close();
  });
});

Deno.test("Spool - block waits for acknowledgements, and interrupt() ends the wait", async () => {
  await withDir(async (dir) => {
    const s = await Spool.open({
      dir,
      maxBytes: 8192,
      policy: "block",
      ackedSeq: 0,
      lastSeq: 0,
      segmentBytes: 4096,
    });
    let n = 0;
    while (s.bytes + 450 <= 8192) {
      await s.append("cowrie", events(10, `x${n++}`), {});
    }
    const blocked = s.append("cowrie", events(40, "late"), {});
    let settled = false;
    blocked.then(() => settled = true, () => settled = true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, "waits while the spool is full");
    s.ack(s.lastSeq);
    await s.compact();
    const b = await blocked;
    assert.equal(b.seq, n + 1);

    while (s.bytes + 450 <= 8192) await s.append("cowrie", events(10, "y"), {});
    const stuck = s.append("cowrie", events(40, "z"), {});
    s.interrupt();
    await assert.rejects(stuck, /interrupted/);
    await s.close();
  });
});

Deno.test("Spool - renumberAbove moves owed batches above the server's high-water mark", async () => {
  await withDir(async (dir) => {
    const s = await Spool.open({ dir, maxBytes: 1 << 20, policy: "block", ackedSeq: 0, lastSeq: 0 });
    await s.append("cowrie", events(1, "a"), {});
    await s.append("cowrie", events(1, "b"), {});
    await s.renumberAbove(40);
    const got = [];
    for (let b = await s.next(0); b; b = await s.next(b.seq)) {
      got.push([b.seq, (b.events[0] as { tag: string }).tag]);
    }
    assert.deepEqual(got, [[41, "a"], [42, "b"]]);
    assert.equal(s.ackedSeq, 40);
    await s.close();
  });
});

Deno.test("Spool - reading, acking and checkpoint positions across many small segments stay exact", async () => {
  await withDir(async (dir) => {
    // 4 KiB segments: a few batches each, so reads cross many segments and the cache evicts.
    const s = await Spool.open({
      dir,
      maxBytes: 1 << 20,
      policy: "block",
      ackedSeq: 0,
      lastSeq: 0,
      segmentBytes: 4096,
    });
    const pos = (seq: number) => ({
      "/var/log/x": { path: "/var/log/x", dev: 1, ino: 2, offset: seq * 100, tail: "" },
    });
    let sent = 0;
    for (let i = 1; i <= 120; i++) {
      const b = await s.append("cowrie", events(8, `b${i}`), pos(i));
      assert.equal(b.seq, i);
      // The uplink lags the writer by a varying amount; the checkpoint asks about the last ack.
      if (i % 3 === 0) {
        for (let n = 0; n < 2; n++) {
          const next = await s.next(sent);
          if (!next) break;
          assert.equal(next.seq, sent + 1);
          assert.deepEqual(next.events, events(8, `b${next.seq}`));
          sent = next.seq;
        }
        s.ack(sent - 1);
        assert.deepEqual(await s.positionsAt(sent - 1), sent > 1 ? pos(sent - 1) : null);
        if (i % 9 === 0) await s.compact();
      }
    }
    for (let next = await s.next(sent); next; next = await s.next(sent)) {
      assert.equal(next.seq, sent + 1);
      assert.deepEqual(next.events, events(8, `b${next.seq}`));
      sent = next.seq;
    }
    assert.equal(sent, 120);
    assert.deepEqual(await s.lastPositions(), pos(120));
    s.ack(120);
    await s.compact();
    assert.ok(s.drained);
    await s.close();
  });
});
