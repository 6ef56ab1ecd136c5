import assert from "node:assert/strict";
import type { FilePosition } from "../../collector/checkpoint.ts";
import { Tailer, type TailLine, type TailOptions } from "../../collector/tail.ts";

const enc = new TextEncoder();

function lines(prefix: string, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += `{"n":"${prefix}-${i}"}\n`;
  return s;
}

async function append(path: string, text: string): Promise<void> {
  await Deno.writeFile(path, enc.encode(text), { append: true, create: true });
}

/**
 * Reads until `n` lines came. The deadline is a safety net so that a bug fails the test instead
 * of hanging it, not a timing assertion; on expiry the caller's `withTailer` closes the tailer,
 * which ends the read still waiting.
 */
async function readN(t: Tailer, n: number): Promise<TailLine[]> {
  const got: TailLine[] = [];
  const deadline = Date.now() + 20_000;
  while (got.length < n) {
    const r = await within(t.read(), deadline - Date.now());
    if (r === "timeout") throw new Error(`only ${got.length} of ${n} lines: ${got.map((l) => l.text)}`);
    if (!r) break;
    got.push(...r);
  }
  return got;
}

/** `p`, or "timeout" after `ms`; `p` keeps running (the caller still owns it). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<"timeout">((res) => timer = setTimeout(() => res("timeout"), Math.max(0, ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function withTailer<T>(opts: TailOptions, fn: (t: Tailer) => Promise<T>): Promise<T> {
  const t = new Tailer({ pollMs: 20, graceMs: 100, ...opts });
  await t.open();
  try {
    return await fn(t);
  } finally {
    t.close();
  }
}

function texts(ls: TailLine[]): string[] {
  return ls.map((l) => l.text);
}

function expected(prefix: string, from: number, to: number): string[] {
  return lines(prefix, from, to).trimEnd().split("\n");
}

Deno.test("Tailer - follows rename-and-create rotation, finishing the old file first", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 100));
    await withTailer({ paths: [path], fromStart: true }, async (t) => {
      assert.deepEqual(texts(await readN(t, 100)), expected("a", 0, 100));
      await append(path, lines("a", 100, 120));
      await Deno.rename(path, `${path}.1`);
      // The writer still has the old file open for a moment.
      await append(`${path}.1`, lines("a", 120, 130));
      await append(path, lines("b", 0, 50));
      const got = texts(await readN(t, 80));
      assert.deepEqual(got, [...expected("a", 100, 130), ...expected("b", 0, 50)]);
      await append(path, lines("b", 50, 60));
      assert.deepEqual(texts(await readN(t, 10)), expected("b", 50, 60));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - follows copytruncate rotation, reading the rest from the copy", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 100));
    await withTailer({ paths: [path], fromStart: true }, async (t) => {
      await readN(t, 100);
      await append(path, lines("a", 100, 120));
      await Deno.copyFile(path, `${path}.1`);
      await Deno.truncate(path, 0);
      // More than was there before: a size check alone would miss the truncation.
      await append(path, lines("b", 0, 200));
      const got = texts(await readN(t, 220));
      assert.deepEqual(got, [...expected("a", 100, 120), ...expected("b", 0, 200)]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - reads a truncated file again from its start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/auth.log`;
    await append(path, lines("a", 0, 50));
    await withTailer({ paths: [path], fromStart: true }, async (t) => {
      await readN(t, 50);
      await Deno.truncate(path, 0);
      await append(path, lines("b", 0, 10));
      assert.deepEqual(texts(await readN(t, 10)), expected("b", 0, 10));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - a last line without newline waits for its newline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 2));
    await withTailer({ paths: [path], fromStart: true }, async (t) => {
      await readN(t, 2);
      await append(path, '{"n":"par');
      // One read stays pending across the wait: a second concurrent read() would be a misuse
      // (the first, abandoned, could take the line and this test would wait for ever).
      const pending = t.read();
      assert.equal(await within(pending, 400), "timeout", "the unterminated line must not be read");
      await append(path, 'tial"}\n');
      const r = await within(pending, 20_000);
      assert.ok(r !== "timeout" && r !== null, "the completed line arrives");
      assert.deepEqual(texts(r), ['{"n":"partial"}']);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - in once mode a cut last line is read as complete, then it ends", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 3) + '{"eventid":"cowrie.sess');
    await withTailer({ paths: [path], fromStart: true, once: true }, async (t) => {
      const got: string[] = [];
      for (let r = await t.read(); r; r = await t.read()) got.push(...texts(r));
      assert.deepEqual(got, [...expected("a", 0, 3), '{"eventid":"cowrie.sess']);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - without fromStart a file is followed from its end", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("old", 0, 5));
    await withTailer({ paths: [path] }, async (t) => {
      await append(path, lines("new", 0, 2));
      assert.deepEqual(texts(await readN(t, 2)), expected("new", 0, 2));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - resumes from a position: nothing skipped, nothing read twice", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 100));
    const pos: FilePosition = await withTailer({ paths: [path], fromStart: true }, async (t) => {
      const got = await readN(t, 100);
      return got[59].position();
    });
    await withTailer({ paths: [path], positions: { [path]: pos } }, async (t) => {
      assert.deepEqual(texts(await readN(t, 40)), expected("a", 60, 100));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - resumes inside a file that was rotated away while stopped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 100));
    const pos = await withTailer(
      { paths: [path], fromStart: true },
      async (t) => (await readN(t, 100))[29].position(),
    );
    await append(path, lines("a", 100, 110));
    await Deno.rename(path, `${path}.2026-11-25`);
    await append(path, lines("b", 0, 5));
    await withTailer({ paths: [path], positions: { [path]: pos } }, async (t) => {
      assert.deepEqual(texts(await readN(t, 85)), [...expected("a", 30, 110), ...expected("b", 0, 5)]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - resumes after a copytruncate that happened while stopped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 100));
    const pos = await withTailer(
      { paths: [path], fromStart: true },
      async (t) => (await readN(t, 100))[49].position(),
    );
    await Deno.copyFile(path, `${path}.1`);
    await Deno.truncate(path, 0);
    await append(path, lines("b", 0, 3));
    await withTailer({ paths: [path], positions: { [path]: pos } }, async (t) => {
      assert.deepEqual(texts(await readN(t, 53)), [...expected("a", 50, 100), ...expected("b", 0, 3)]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Tailer - close() while a read is under way ends the read instead of throwing (SIGTERM)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-tail-" });
  try {
    const path = `${dir}/cowrie.json`;
    await append(path, lines("a", 0, 3));
    const t = new Tailer({ paths: [path], pollMs: 20, graceMs: 100, fromStart: true });
    await t.open();
    assert.deepEqual(texts((await t.read())!), ['{"n":"a-0"}', '{"n":"a-1"}', '{"n":"a-2"}']);
    // The next read is waiting on the file's stat when the collector is told to stop.
    const pending = t.read();
    t.close();
    assert.equal(await pending, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
