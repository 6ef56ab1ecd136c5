/**
 * Ships Cowrie's TTY logs (`--ttylog-dir`, Cowrie's `var/lib/cowrie/tty`) to the server, so the
 * attacker page replays the terminal as the attacker saw it.
 *
 * Each `cowrie.log.closed` event names a finished log (`ttylog`, a path relative to Cowrie's
 * home; 2.x names the file after its SHA-256, given as `shasum`). The log is found in the
 * directory by its base name, read, and sent with `PUT /api/ttylogs/:sha256` over HTTP(S) on the
 * uplink's host, with the ingest token. Uploads are idempotent on the server, so the queue is
 * at-least-once: it is kept in `STATE_DIR/ttylogs.json` until each log is stored (or refused for
 * good), and survives restarts. Network and server errors retry with exponential backoff and
 * jitter; a missing file is retried a few times (then given up, with a warning), a log the
 * server refuses (4xx: malformed, too large) is given up at once with the server's reason.
 */
import { log } from "../lib/log.ts";
import { sha256Hex } from "../lib/sha256.ts";
import { backoffDelay } from "./uplink.ts";

export interface TtylogShipperOptions {
  /** The uplink URL (`ws://host:8000/ingest`); uploads go to the same host over HTTP(S). */
  server: string;
  token: string;
  sensor: string;
  /** Where Cowrie writes TTY logs. */
  dir: string;
  stateDir: string;
  backoffMs?: { initial: number; max: number };
  /** Tries for a log whose file is not (yet) there. */
  missingTries?: number;
  /** Most logs queued; the oldest are given up past it. */
  maxQueued?: number;
}

interface Job {
  sha256?: string;
  file: string;
  session?: string;
  ip?: string;
  tries: number;
}

/** What happened to the logs offered so far (this run). */
export interface TtylogStats {
  shipped: number;
  duplicate: number;
  missing: number;
  refused: number;
  queued: number;
}

const SHA_RE = /^[0-9a-f]{64}$/;

/** `ws://h:p/ingest` -> `http://h:p`; `wss://` -> `https://`. */
export function httpBase(server: string): string {
  const u = new URL(server);
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  return u.origin;
}

export class TtylogShipper {
  readonly #o: TtylogShipperOptions;
  readonly #base: string;
  readonly #statePath: string;
  #queue: Job[] = [];
  #stopped = false;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | null = null;
  #idleWaiters: (() => void)[] = [];
  #save: Promise<void> = Promise.resolve();
  readonly stats: TtylogStats = { shipped: 0, duplicate: 0, missing: 0, refused: 0, queued: 0 };

  constructor(o: TtylogShipperOptions) {
    this.#o = o;
    this.#base = httpBase(o.server);
    this.#statePath = `${o.stateDir}/ttylogs.json`;
  }

  /** Loads the queue left by the previous run and starts shipping. */
  async open(): Promise<void> {
    try {
      const saved = JSON.parse(await Deno.readTextFile(this.#statePath));
      if (Array.isArray(saved)) {
        for (const j of saved) if (j && typeof j.file === "string") this.#push({ ...j, tries: 0 }, false);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        log.warn("collector: unreadable TTY log queue; starting empty", {
          path: this.#statePath,
          error: String(e),
        });
      }
    }
    if (this.#queue.length > 0) log.info("collector: TTY logs still to ship", { count: this.#queue.length });
    this.#loop();
  }

  /** Looks at one parsed Cowrie record; a `cowrie.log.closed` queues its TTY log. */
  offer(record: unknown): void {
    if (typeof record !== "object" || record === null) return;
    const r = record as Record<string, unknown>;
    if (r.eventid !== "cowrie.log.closed" || typeof r.ttylog !== "string" || r.ttylog === "") return;
    const name = r.ttylog.slice(r.ttylog.lastIndexOf("/") + 1);
    if (name === "" || name === "." || name === "..") return;
    const shasum = typeof r.shasum === "string" && SHA_RE.test(r.shasum.toLowerCase())
      ? r.shasum.toLowerCase()
      : undefined;
    this.#push({
      ...(shasum ? { sha256: shasum } : {}),
      file: name,
      ...(typeof r.session === "string" ? { session: r.session } : {}),
      ...(typeof r.src_ip === "string" ? { ip: r.src_ip } : {}),
      tries: 0,
    }, true);
  }

  #push(job: Job, save: boolean): void {
    // The same event read again (after a restart) while its log still waits: once is enough.
    if (this.#queue.some((j) => j.file === job.file && j.session === job.session)) return;
    this.#queue.push(job);
    const max = this.#o.maxQueued ?? 10_000;
    while (this.#queue.length > max) {
      const old = this.#queue.shift()!;
      this.stats.refused++;
      log.warn("collector: TTY log queue full; giving up the oldest", { file: old.file });
    }
    this.stats.queued = this.#queue.length;
    if (save) this.#persist();
    this.#wake?.();
  }

  #persist(): Promise<void> {
    const snapshot = JSON.stringify(this.#queue.map(({ tries: _t, ...j }) => j));
    this.#save = this.#save.then(async () => {
      const tmp = `${this.#statePath}.tmp`;
      await Deno.writeTextFile(tmp, snapshot);
      await Deno.rename(tmp, this.#statePath);
    }).catch((e) => log.error("collector: cannot save the TTY log queue", { error: String(e) }));
    return this.#save;
  }

  /** Resolves once every queued log is shipped or given up (or on close). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 || this.#stopped) return this.#save;
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve)).then(() => this.#save);
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    for (const w of this.#idleWaiters.splice(0)) w();
    await this.#save;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(this.#timer);
        this.#wake = null;
        resolve();
      };
    });
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const job = this.#queue[0];
      if (!job) {
        for (const w of this.#idleWaiters.splice(0)) w();
        await this.#sleep(60_000);
        continue;
      }
      const outcome = await this.#ship(job).catch((e) => {
        log.warn("collector: TTY log upload failed; will retry", { file: job.file, error: String(e) });
        return "retry" as const;
      });
      if (this.#stopped) break;
      if (outcome === "retry") {
        await this.#sleep(backoffDelay(this.#attempt++, this.#o.backoffMs));
        continue;
      }
      this.#attempt = 0;
      this.#queue.shift();
      this.stats.queued = this.#queue.length;
      this.#persist();
    }
  }

  async #ship(job: Job): Promise<"done" | "retry"> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(`${this.#o.dir}/${job.file}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      if (++job.tries < (this.#o.missingTries ?? 5)) return "retry";
      this.stats.missing++;
      log.warn("collector: TTY log not found; giving it up", { dir: this.#o.dir, file: job.file });
      return "done";
    }
    const sha = await sha256Hex(bytes);
    if (job.sha256 && job.sha256 !== sha) {
      // Cowrie names 2.x logs after their hash: another content under that name is not this log.
      this.stats.refused++;
      log.warn("collector: TTY log content does not match its shasum; giving it up", {
        file: job.file,
        shasum: job.sha256,
        actual: sha,
      });
      return "done";
    }
    const q = new URLSearchParams({ sensor: this.#o.sensor });
    if (job.session) q.set("session", job.session);
    if (job.ip) q.set("ip", job.ip);
    const res = await fetch(`${this.#base}/api/ttylogs/${sha}?${q}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${this.#o.token}`, "content-type": "application/octet-stream" },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    const text = await res.text();
    if (res.ok) {
      if (res.status === 201) this.stats.shipped++;
      else this.stats.duplicate++;
      log.debug("collector: TTY log shipped", { file: job.file, bytes: bytes.length, status: res.status });
      return "done";
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      log.warn("collector: server could not take a TTY log; will retry", {
        file: job.file,
        status: res.status,
      });
      return "retry";
    }
    if (res.status === 401) {
      // The same token carries the events: a bad one stops the uplink, so keep the log queued.
      log.error("collector: TTY log upload refused: bad ingest token", { file: job.file });
      return "retry";
    }
    this.stats.refused++;
    let reason = text;
    try {
      reason = JSON.parse(text).message ?? text;
    } catch {
      // not JSON
    }
    log.warn("collector: server refused a TTY log; giving it up", {
      file: job.file,
      status: res.status,
      reason,
    });
    return "done";
  }
}
