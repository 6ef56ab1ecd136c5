/**
 * Builds Cowrie JSON records with the shape Cowrie 3.0.4/3.0.5 writes (compact JSON,
 * `uuid` and `protocol` on every event, `duration_ms` on `session.closed`, forwarding
 * origin as `src_port`), see shared docs/cowrie-events.md. Records carry an empty
 * `timestamp` at its usual key position; the scheduler fills it in when it emits them.
 */
import type { Rng } from "./_rng.ts";
import { hasshAlgorithms, type SshClient } from "./_ssh_clients.ts";

export type CowrieRecord = Record<string, unknown>;

/** One record of a scripted scenario, `at` ms after the scenario started. */
export interface Step {
  at: number;
  record: CowrieRecord;
}

/** What every record of one honeypot shares. */
export interface SensorInfo {
  sensor: string;
  /** The honeypot instance's uuid1, the same on every line. */
  uuid: string;
  /** The honeypot's own address and port, as on `session.connect`. */
  dstIp: string;
  dstPort: number;
  /** Hashes already stored, so that a repeat download says `duplicate: true`. */
  seenFiles: Set<string>;
}

/** Formats UTC microseconds as Cowrie does: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function cowrieTimestamp(ms: number): string {
  const us = Math.floor(ms * 1000);
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 19)}.${String(((us % 1e6) + 1e6) % 1e6).padStart(6, "0")}Z`;
}

/** Parses a Cowrie timestamp back to UTC ms (with its fraction), or NaN. */
export function parseCowrieTimestamp(ts: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:?\d\d)$/.exec(ts);
  if (!m) return NaN;
  const zone = m[3] === "Z" ? "Z" : `${m[3].slice(0, 3)}:${m[3].slice(-2)}`;
  const base = Date.parse(`${m[1]}${zone}`);
  return base + (m[2] ? Number(m[2].padEnd(6, "0")) / 1000 : 0);
}

/**
 * The events of one TCP connection, in order. Each call appends an event at the
 * current offset; `wait` moves the offset on.
 */
export class SessionScript {
  readonly session: string;
  readonly steps: Step[] = [];
  #t: number;
  readonly #start: number;

  constructor(
    readonly rng: Rng,
    readonly info: SensorInfo,
    readonly ip: string,
    at: number,
    readonly protocol: "ssh" | "telnet" = "ssh",
  ) {
    this.session = rng.hex(12);
    this.#t = at;
    this.#start = at;
  }

  /** Offset of the next event, ms from the scenario start. */
  get t(): number {
    return this.#t;
  }

  wait(ms: number): this {
    this.#t += ms;
    return this;
  }

  #push(eventid: string, fields: CowrieRecord, message: unknown): this {
    this.steps.push({
      at: this.#t,
      record: {
        eventid,
        ...fields,
        message,
        sensor: this.info.sensor,
        uuid: this.info.uuid,
        timestamp: "",
        src_ip: this.ip,
        session: this.session,
        protocol: this.protocol,
      },
    });
    return this;
  }

  connect(): this {
    const srcPort = this.rng.int(1024, 65535);
    const { dstIp, dstPort } = this.info;
    this.steps.push({
      at: this.#t,
      record: {
        eventid: "cowrie.session.connect",
        src_ip: this.ip,
        src_port: srcPort,
        dst_ip: dstIp,
        dst_port: dstPort,
        session: this.session,
        protocol: this.protocol,
        message: `New connection: ${this.ip}:${srcPort} (${dstIp}:${dstPort}) [session: ${this.session}]`,
        sensor: this.info.sensor,
        uuid: this.info.uuid,
        timestamp: "",
      },
    });
    return this;
  }

  /** `client.version` then, a few ms later, `client.kex`. */
  handshake(client: SshClient): this {
    this.#push("cowrie.client.version", { version: client.version }, `Remote SSH version: ${client.version}`);
    this.wait(this.rng.range(1, 200));
    return this.#push("cowrie.client.kex", {
      hassh: client.hassh,
      hasshAlgorithms: hasshAlgorithms(client),
      kexAlgs: client.kexAlgs,
      keyAlgs: client.keyAlgs,
      encCS: client.encCS,
      macCS: client.macCS,
      compCS: client.compCS,
      langCS: [""],
    }, `SSH client hassh fingerprint: ${client.hassh}`);
  }

  login(ok: boolean, username: string, password: string): this {
    const verb = ok ? "succeeded" : "failed";
    return this.#push(
      ok ? "cowrie.login.success" : "cowrie.login.failed",
      { username, password },
      `login attempt [${username}/${password}] ${verb}`,
    );
  }

  /** What an interactive client sends after login: pty size, env, shell. */
  shell(width: number, height: number, lang?: string): this {
    this.#push("cowrie.client.size", { width, height }, `Terminal Size: ${width} ${height}`);
    if (lang) {
      this.wait(this.rng.range(0.2, 2));
      this.#push("cowrie.client.var", { name: "LANG", value: lang }, `request_env: LANG=${lang}`);
    }
    this.wait(this.rng.range(0.2, 2));
    return this.#push("cowrie.session.params", { arch: "linux-x64-lsb" }, []);
  }

  command(input: string, known = true): this {
    this.#push("cowrie.command.input", { input }, `CMD: ${input}`);
    if (!known) {
      this.wait(this.rng.range(0.2, 1.5));
      this.#push("cowrie.command.failed", { input }, `Command not found: ${input}`);
    }
    return this;
  }

  download(url: string, shasum: string, destfile: string): this {
    const outfile = `var/lib/cowrie/downloads/${shasum}`;
    const duplicate = this.info.seenFiles.has(shasum);
    this.info.seenFiles.add(shasum);
    return this.#push(
      "cowrie.session.file_download",
      { url, outfile, shasum, destfile, duplicate },
      `Downloaded URL (${url}) with SHA-256 ${shasum} to ${outfile}`,
    );
  }

  downloadFailed(url: string): this {
    return this.#push(
      "cowrie.session.file_download.failed",
      { url },
      `Attempt to download file(s) from URL (${url}) failed`,
    );
  }

  /** A `direct-tcpip` forward request; Cowrie before 3.0.6 logs the claimed origin port as `src_port`. */
  forward(dstIp: string, dstPort: number, data?: string): this {
    const srcPort = this.rng.int(1024, 65535);
    this.steps.push({
      at: this.#t,
      record: {
        eventid: "cowrie.direct-tcpip.request",
        dst_ip: dstIp,
        dst_port: dstPort,
        src_ip: this.ip,
        src_port: srcPort,
        message: `direct-tcp connection request to ${dstIp}:${dstPort} from 127.0.0.1:${srcPort}`,
        sensor: this.info.sensor,
        uuid: this.info.uuid,
        timestamp: "",
        session: this.session,
        protocol: this.protocol,
      },
    });
    if (data !== undefined) {
      this.wait(this.rng.range(20, 300));
      this.#push(
        "cowrie.direct-tcpip.data",
        { dst_ip: dstIp, dst_port: dstPort, data, id: 0 },
        `discarded direct-tcp forward request 0 to ${dstIp}:${dstPort} with data ${data}`,
      );
    }
    return this;
  }

  /** `log.closed` for the TTY log of an interactive session. */
  ttyClosed(size: number): this {
    const shasum = this.rng.hex(64);
    const ttylog = `var/lib/cowrie/tty/${shasum}`;
    const ms = Math.round(this.#t - this.#start);
    return this.#push(
      "cowrie.log.closed",
      { ttylog, size, shasum, duplicate: false, duration_ms: ms },
      `Closing TTY Log: ${ttylog} after ${(ms / 1000).toFixed(1)} seconds`,
    );
  }

  closed(): this {
    const ms = Math.round(this.#t - this.#start);
    return this.#push(
      "cowrie.session.closed",
      { duration_ms: ms },
      `Connection lost after ${(ms / 1000).toFixed(1)} seconds`,
    );
  }
}
