/**
 * Real processes for the collector wire tests: the honeywatch server, the collector and the
 * replay tool, each a `deno run` child with its output drained (kept for failure messages).
 */
import { generateCowrie } from "../../collector/generate.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const TOKEN = "collector-test-token";

export class Proc {
  #out = "";
  readonly #drains: Promise<void>[];
  readonly status: Promise<Deno.CommandStatus>;
  #lineWaiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(readonly name: string, readonly child: Deno.ChildProcess) {
    this.#drains = [this.#drain(child.stdout), this.#drain(child.stderr)];
    this.status = child.status;
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      this.#out += dec.decode(chunk, { stream: true });
      if (this.#out.length > 200_000) this.#out = this.#out.slice(-100_000);
      for (const w of [...this.#lineWaiters]) {
        const m = this.#out.match(w.re);
        if (m) {
          this.#lineWaiters.splice(this.#lineWaiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  }

  /** Everything the process wrote (the recent part). */
  get output(): string {
    return this.#out;
  }

  /** Waits until the output matches `re`, or fails if the process exits first. */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const m = this.#out.match(re);
    if (m) return m;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        new Promise<RegExpMatchArray>((resolve) => this.#lineWaiters.push({ re, resolve })),
        this.status.then((s) => {
          throw new Error(`${this.name} exited (${s.code}) before printing ${re}:\n${this.#out}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${this.name}: no ${re} in ${timeoutMs} ms:\n${this.#out}`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills (SIGKILL by default) and waits for the exit and the end of its output. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
    await this.status;
    await Promise.all(this.#drains);
  }

  /** Waits for the exit; kills it and fails (with the output) if it takes longer than `timeoutMs`. */
  exitWithin(timeoutMs: number): Promise<Deno.CommandStatus> {
    return this.exit(timeoutMs);
  }

  /**
   * Waits for a normal exit; a child still running after `timeoutMs` (a safety deadline, not a
   * timing assertion) is killed and the test fails with its output instead of hanging CI.
   */
  async exit(timeoutMs = 300_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        try {
          this.child.kill("SIGKILL");
        } catch {
          // already gone
        }
        reject(new Error(`${this.name} still running after ${timeoutMs} ms:\n${this.#out}`));
      }, timeoutMs);
    });
    try {
      const s = await Promise.race([this.status, deadline]);
      await Promise.all(this.#drains);
      return s;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function spawn(name: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env,
  }).spawn();
  return new Proc(name, child);
}

export interface Server {
  proc: Proc;
  port: number;
}

/** Starts `main.ts` on `port` (0: any) with the KV file `kv` and `extra` options; resolves once it listens. */
export async function startServer(kv: string, port = 0, extra: string[] = []): Promise<Server> {
  // A port just freed by a killed server can take a moment to bind again: retry.
  for (let attempt = 0;; attempt++) {
    const proc = spawn("server", [
      "run",
      "-A",
      "main.ts",
      "--port",
      String(port),
      "--kv",
      kv,
      "--ingest-token",
      TOKEN,
      ...extra,
    ]);
    try {
      const m = await proc.waitFor(/listening on http:\/\/[^\s/]+:(\d+)\//);
      return { proc, port: Number(m[1]) };
    } catch (e) {
      await proc.kill();
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface SensorRow {
  sensor: string;
  connected: boolean;
  events: number;
  rejected: number;
  lastSeq: number;
  lagBytes: number;
  spoolBytes: number;
  dropped: number;
}

export async function sensorRow(port: number, sensor: string): Promise<SensorRow | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/api/sensors`);
  const body = await res.json() as { items: SensorRow[] };
  return body.items.find((s) => s.sensor === sensor);
}

/** Polls `cond` until it holds (a safety deadline, not a timing assertion). */
export async function until(
  what: string,
  cond: () => Promise<boolean> | boolean,
  timeoutMs = 120_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `n` generated Cowrie lines (each ends in a newline), from record `from` of seed `seed`. */
export function cowrieLines(n: number, seed = 1, from = 0): string {
  const out: string[] = [];
  let i = 0;
  for (const { record } of generateCowrie({ seed, start: Date.parse("2026-11-25T00:00:00Z"), rate: 50 })) {
    if (i++ >= from) out.push(JSON.stringify(record) + "\n");
    if (out.length >= n) break;
  }
  return out.join("");
}

export async function appendText(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { append: true, create: true });
}

/** Total bytes of the spool segments under a state dir. */
export async function spoolBytes(stateDir: string): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(`${stateDir}/spool`)) {
      if (e.name.endsWith(".seg")) n += (await Deno.stat(`${stateDir}/spool/${e.name}`)).size;
    }
  } catch {
    return 0;
  }
  return n;
}

export function collectorArgs(
  port: number,
  stateDir: string,
  sensor: string,
  extra: string[],
  files: string[],
): string[] {
  return [
    "run",
    "-A",
    "collector/main.ts",
    "--server",
    `ws://127.0.0.1:${port}/ingest`,
    "--token",
    TOKEN,
    "--sensor",
    sensor,
    "--state-dir",
    stateDir,
    "--poll-ms",
    "50",
    "--heartbeat-ms",
    "200",
    "--backoff-max-ms",
    "1000",
    ...extra,
    ...files,
  ];
}
