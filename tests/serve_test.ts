/**
 * `deno serve --parallel serve.ts` with two isolates on one KV file. Requests are pinned to an
 * isolate by sending them over one kept-alive TCP connection whose isolate `/api/health` named.
 */
import assert from "node:assert/strict";
import { type Proc, spawn, until } from "./collector/_procs.ts";
import { failedLogins, TOKEN } from "./_helpers.ts";

const T0 = Date.parse("2026-11-25T10:00:00Z");
const enc = new TextEncoder();
const dec = new TextDecoder();

/** HTTP/1.1 over one TCP connection, so every request reaches the same isolate. */
class Conn {
  #buf = new Uint8Array(0);
  /** SSE text received after `stream` was called, and the loop that reads it. */
  text = "";
  reading: Promise<void> = Promise.resolve();
  private constructor(readonly conn: Deno.TcpConn) {}

  static async open(port: number): Promise<Conn> {
    return new Conn(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async #more(): Promise<void> {
    const chunk = new Uint8Array(65536);
    const n = await this.conn.read(chunk);
    if (n === null) throw new Error("connection closed");
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  async #line(): Promise<string> {
    for (;;) {
      const i = this.#buf.findIndex((b, j) => b === 13 && this.#buf[j + 1] === 10);
      if (i >= 0) {
        const line = dec.decode(this.#take(i));
        this.#take(2);
        return line;
      }
      await this.#more();
    }
  }

  async #head(): Promise<{ status: number; headers: Map<string, string> }> {
    const status = Number((await this.#line()).split(" ")[1]);
    const headers = new Map<string, string>();
    for (let l = await this.#line(); l !== ""; l = await this.#line()) {
      const i = l.indexOf(":");
      headers.set(l.slice(0, i).toLowerCase(), l.slice(i + 1).trim());
    }
    return { status, headers };
  }

  async #chunk(): Promise<Uint8Array | null> {
    const size = parseInt(await this.#line(), 16);
    while (this.#buf.length < size + 2) await this.#more();
    const data = this.#take(size);
    this.#take(2);
    return size === 0 ? null : data;
  }

  async #send(method: string, path: string, headers: Record<string, string>, body = ""): Promise<void> {
    const bytes = enc.encode(body);
    const head = [`${method} ${path} HTTP/1.1`, "host: 127.0.0.1", `content-length: ${bytes.length}`]
      .concat(Object.entries(headers).map(([k, v]) => `${k}: ${v}`));
    await this.conn.write(enc.encode(head.join("\r\n") + "\r\n\r\n"));
    if (bytes.length) await this.conn.write(bytes);
  }

  /** One request and its whole response (content-length or chunked). */
  async request(method: string, path: string, headers: Record<string, string> = {}, body = "") {
    await this.#send(method, path, headers, body);
    const { status, headers: h } = await this.#head();
    let out = "";
    if (h.get("transfer-encoding") === "chunked") {
      for (let c = await this.#chunk(); c; c = await this.#chunk()) out += dec.decode(c);
    } else {
      const n = Number(h.get("content-length") ?? 0);
      while (this.#buf.length < n) await this.#more();
      out = dec.decode(this.#take(n));
    }
    return { status, body: out };
  }

  /** Start an SSE request; its text accumulates in `text` until the connection closes. */
  async stream(path: string): Promise<void> {
    await this.#send("GET", path, {});
    const { status } = await this.#head();
    assert.equal(status, 200);
    this.reading = (async () => {
      try {
        for (let c = await this.#chunk(); c; c = await this.#chunk()) this.text += dec.decode(c);
      } catch { /* closed */ }
    })();
  }

  /** The `data:` of each `event: anomaly` received. */
  anomalies(): { id: string; ip: string; type: string; updates: number }[] {
    return this.text.split("\n\n").filter((b) => b.includes("event: anomaly"))
      .map((b) => JSON.parse(b.split("\n").find((l) => l.startsWith("data: "))!.slice(6)));
  }

  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch { /* already closed */ }
    await this.reading;
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("deno serve --parallel - an anomaly reaches SSE subscribers of both isolates, whichever took the ingest", async () => {
  const dir = await Deno.makeTempDir();
  const conns: Conn[] = [];
  let proc: Proc | undefined;
  try {
    let port = 0;
    for (let attempt = 0; !proc; attempt++) {
      port = freePort();
      const p = spawn("deno serve", [
        "serve",
        "--parallel",
        "-A",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "serve.ts",
      ], {
        DENO_JOBS: "2",
        HONEYWATCH_KV: `${dir}/hw.kv`,
        HONEYWATCH_INGEST_TOKEN: TOKEN,
        HONEYWATCH_FLUSH_INTERVAL: "200ms",
        HONEYWATCH_RATE_LIMIT_IP: "0",
      });
      try {
        await p.waitFor(/honeywatch listening on/, 30_000);
        proc = p;
      } catch (e) {
        await p.kill();
        if (attempt >= 3) throw e; // the port was taken meanwhile: another one
      }
    }

    // Connections until each isolate has two: one to subscribe on, one to ingest through.
    const byIsolate = new Map<string, Conn[]>();
    await until("connections to both isolates", async () => {
      const c = await Conn.open(port);
      conns.push(c);
      const health = await c.request("GET", "/api/health");
      const id = JSON.parse(health.body).instance as string;
      const list = byIsolate.get(id) ?? [];
      byIsolate.set(id, list);
      if (list.length < 2) list.push(c);
      return byIsolate.size === 2 && [...byIsolate.values()].every((l) => l.length === 2);
    }, 30_000);
    const [one, two] = [...byIsolate.values()];
    await one[0].stream("/api/stream");
    await two[0].stream("/api/stream");

    const ingest = async (c: Conn, sensor: string, ip: string) => {
      const body = failedLogins(ip, T0, 6, 1000).map((r) => JSON.stringify(r)).join("\n") + "\n";
      const res = await c.request("POST", `/api/ingest?source=cowrie&sensor=${sensor}`, {
        authorization: `Bearer ${TOKEN}`,
      }, body);
      assert.equal(res.status, 200, res.body);
    };
    await ingest(one[1], "s1", "203.0.113.61");
    await ingest(two[1], "s2", "203.0.113.62");

    // Each brute force is raised (updates 1) and its held-back update goes out at the flush (2).
    const want = ["203.0.113.61#1", "203.0.113.61#2", "203.0.113.62#1", "203.0.113.62#2"];
    const got = (c: Conn) => c.anomalies().map((a) => `${a.ip}#${a.updates}`).sort();
    await until(
      "both subscribers have both anomalies and their updates",
      () => want.every((w) => got(one[0]).includes(w) && got(two[0]).includes(w)),
      30_000,
    );
    for (const sub of [one[0], two[0]]) {
      assert.deepEqual(got(sub), want, "each message once");
      assert.ok(sub.anomalies().every((a) => a.type === "brute_force"));
    }

    // Every isolate flushes and leaves before the process exits.
    proc.child.kill("SIGTERM");
    assert.equal((await proc.exitWithin(20_000)).code, 0, proc.output);
    const kv = await Deno.openKv(`${dir}/hw.kv`);
    try {
      assert.equal((await Array.fromAsync(kv.list({ prefix: ["instance"] }))).length, 0);
      assert.equal((await Array.fromAsync(kv.list({ prefix: ["pending"] }))).length, 0);
    } finally {
      kv.close();
    }
  } finally {
    for (const c of conns) await c.close();
    await proc?.kill();
    await Deno.remove(dir, { recursive: true });
  }
});
