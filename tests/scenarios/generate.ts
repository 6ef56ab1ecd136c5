/**
 * Writes the `events.jsonl` of every scenario folder next to this file. The output is
 * committed; run again only to change a scenario, then check `expected.json` by hand:
 *
 *   deno run --allow-write=tests/scenarios tests/scenarios/generate.ts
 *
 * Lines are Cowrie 2.x/3.x `cowrie.json` records. Times are fixed and there is no
 * randomness, so the output is byte-for-byte the same on every run.
 */

/** Every scenario starts at this time (UTC). */
const BASE = Date.parse("2026-03-01T12:00:00Z");
const HONEYPOT = "10.0.0.5";

type Line = { t: number; order: number; text: string };

class Log {
  readonly lines: Line[] = [];
  #order = 0;
  #session = 0;

  /** A raw line at `s` seconds after BASE (for malformed input). */
  raw(s: number, text: string): void {
    this.lines.push({ t: BASE + Math.round(s * 1000), order: this.#order++, text });
  }

  /** A Cowrie record at `s` seconds after BASE. */
  rec(s: number, eventid: string, ip: string, session: string, fields: Record<string, unknown> = {}): void {
    const ts = BASE + Math.round(s * 1000);
    const timestamp = new Date(ts).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"); // Cowrie writes µs
    const rec = { eventid, ...fields, src_ip: ip, session, timestamp, sensor: "cowrie-vm1" };
    this.raw(s, JSON.stringify(rec));
  }

  /** A new session id (Cowrie's are 12 hex digits). */
  session(): string {
    return (0xa00000000000 + ++this.#session).toString(16);
  }

  connect(s: number, ip: string, session: string): void {
    const port = 40000 + (parseInt(session, 16) % 20000);
    this.rec(s, "cowrie.session.connect", ip, session, {
      src_port: port,
      dst_ip: HONEYPOT,
      dst_port: 2222,
      protocol: "ssh",
      message: `New connection: ${ip}:${port} (${HONEYPOT}:2222) [session: ${session}]`,
    });
  }

  version(s: number, ip: string, session: string, version = "SSH-2.0-libssh_0.9.6"): void {
    this.rec(s, "cowrie.client.version", ip, session, { version, message: `Remote SSH version: ${version}` });
  }

  failed(s: number, ip: string, session: string, username: string, password: string): void {
    this.rec(s, "cowrie.login.failed", ip, session, {
      username,
      password,
      message: `login attempt [${username}/${password}] failed`,
    });
  }

  success(s: number, ip: string, session: string, username: string, password: string): void {
    this.rec(s, "cowrie.login.success", ip, session, {
      username,
      password,
      message: `login attempt [${username}/${password}] succeeded`,
    });
  }

  command(s: number, ip: string, session: string, input: string): void {
    this.rec(s, "cowrie.command.input", ip, session, { input, message: `CMD: ${input}` });
  }

  forward(s: number, ip: string, session: string, port: number): void {
    this.rec(s, "cowrie.direct-tcpip.request", ip, session, {
      dst_ip: "192.0.2.80",
      dst_port: port,
      src_port: 5000 + port,
      message: `direct-tcp connection request to 192.0.2.80:${port} from 127.0.0.1:${5000 + port}`,
    });
  }

  closed(s: number, ip: string, session: string, duration: number): void {
    this.rec(s, "cowrie.session.closed", ip, session, {
      duration: Math.round(duration * 10) / 10,
      message: `Connection lost after ${Math.round(duration)} seconds`,
    });
  }

  /** One short session with a single failed login at `s`. */
  failedSession(s: number, ip: string, i: number): void {
    const ses = this.session();
    this.connect(s - 0.5, ip, ses);
    this.failed(s, ip, ses, i % 2 ? "admin" : "root", `pass${i}`);
    this.closed(s + 0.3, ip, ses, 0.8);
  }

  /** Lines in time order (stable for equal times), newline-terminated. */
  text(): string {
    const sorted = [...this.lines].sort((a, b) => a.t - b.t || a.order - b.order);
    return sorted.map((l) => l.text + "\n").join("");
  }
}

/** A benign interactive session: one typo, a login, some commands. */
function humanSession(log: Log, start: number, ip: string): void {
  const ses = log.session();
  log.connect(start, ip, ses);
  log.version(start + 0.1, ip, ses, "SSH-2.0-OpenSSH_9.6");
  log.failed(start + 3, ip, ses, "pi", "rasberry");
  log.success(start + 9, ip, ses, "pi", "raspberry");
  ["uname -a", "cat /proc/cpuinfo", "w", "ls -la", "exit"].forEach((c, i) =>
    log.command(start + 15 + i * 7, ip, ses, c)
  );
  log.closed(start + 50, ip, ses, 50);
}

/** Sessions of connect, client version and close, one event every `every` s from `start`. */
function connectFlood(log: Log, start: number, ip: string, sessions: number, every: number): void {
  let t = start;
  for (let i = 0; i < sessions; i++) {
    const ses = log.session();
    log.connect(t, ip, ses);
    log.version(t += every, ip, ses, "SSH-2.0-Go");
    log.closed(t += every, ip, ses, 2 * every);
    t += every;
  }
}

const PORTS = [
  21,
  22,
  23,
  25,
  53,
  80,
  110,
  143,
  443,
  445,
  993,
  995,
  1433,
  3306,
  3389,
  5432,
  5900,
  6379,
  8080,
  8443,
];

const scenarios: Record<string, (log: Log) => void> = {
  /** fail2ban's sshd boundary: 5 failures in 10 min + 1 ms do not fire; in 10 min - 1 ms they do. */
  brute_force(log) {
    // 203.0.113.10: five one-failure sessions, first and last 600.001 s apart.
    [1, 151, 301, 451, 601.001].forEach((s, i) => log.failedSession(s, "203.0.113.10", i));
    // 203.0.113.11: the same, 599.999 s apart.
    [1, 150, 300, 450, 600.999].forEach((s, i) => log.failedSession(s, "203.0.113.11", i));
    // 203.0.113.12: one session, 8 failures 3 s apart, then in.
    const ses = log.session();
    log.connect(0, "203.0.113.12", ses);
    log.version(0.1, "203.0.113.12", ses);
    for (let i = 0; i < 8; i++) log.failed(2 + i * 3, "203.0.113.12", ses, "root", `pw${i}`);
    log.success(26, "203.0.113.12", ses, "root", "admin");
    log.command(28, "203.0.113.12", ses, "uname -a");
    log.command(30, "203.0.113.12", ses, "cat /proc/cpuinfo | grep name | wc -l");
    log.closed(35, "203.0.113.12", ses, 35);
  },

  /**
   * Slow brute force (bucket of 10 draining 1 per 10 min, filling for at least 10 min):
   * every 30 s and every 61 s both trip brute_force; every 180 s only the slow detector sees.
   */
  slow_brute_force(log) {
    for (let i = 0; i < 25; i++) log.failedSession(1 + i * 30, "198.51.100.20", i);
    for (let i = 0; i < 30; i++) log.failedSession(1 + i * 61, "198.51.100.21", i);
    for (let i = 0; i < 20; i++) log.failedSession(1 + i * 180, "198.51.100.22", i);
  },

  /** Port scans through the SSH honeypot's direct-tcpip forwarding. */
  port_scan(log) {
    // 192.0.2.30: logs in, then 90 s later asks for 20 distinct ports 2 s apart.
    let ses = log.session();
    log.connect(0, "192.0.2.30", ses);
    log.success(2, "192.0.2.30", ses, "root", "root");
    PORTS.forEach((p, i) => log.forward(90 + i * 2, "192.0.2.30", ses, p));
    log.closed(130, "192.0.2.30", ses, 130);
    // 192.0.2.31: a slow scan, one port every 5 s: never 15 in a minute.
    ses = log.session();
    log.connect(0, "192.0.2.31", ses);
    log.success(2, "192.0.2.31", ses, "root", "root");
    for (let i = 0; i < 30; i++) log.forward(70 + i * 5, "192.0.2.31", ses, 10_000 + i);
    log.closed(230, "192.0.2.31", ses, 230);
    // 192.0.2.32: a proxy user, the same port over and over.
    ses = log.session();
    log.connect(0, "192.0.2.32", ses);
    log.success(2, "192.0.2.32", ses, "root", "root");
    for (let i = 0; i < 50; i++) log.forward(5 + i, "192.0.2.32", ses, 80);
    log.closed(60, "192.0.2.32", ses, 60);
  },

  /** 100 events in 10 s: a connect flood fires; 99 events or a steady 8/s do not. */
  rate_burst(log) {
    connectFlood(log, 10, "198.51.100.50", 60, 0.05); // 180 events, 20/s
    connectFlood(log, 10, "198.51.100.51", 33, 0.05); // 99 events
    connectFlood(log, 0, "198.51.100.52", 160, 0.125); // 480 events, 8/s for a minute
  },

  /** Ordinary traffic that stays under every threshold. */
  benign(log) {
    humanSession(log, 0, "203.0.113.70");
    humanSession(log, 300, "203.0.113.70");
    // Four failures, then four more after 11 minutes: never five in ten minutes.
    [0, 60, 120, 180, 800, 860, 920, 980].forEach((s, i) => log.failedSession(s + 5, "203.0.113.71", i));
    // A client forwarding to two ports.
    const ses = log.session();
    log.connect(10, "203.0.113.72", ses);
    log.success(11, "203.0.113.72", ses, "root", "toor");
    [443, 443, 80, 443, 443, 80, 443].forEach((p, i) => log.forward(12 + i * 3, "203.0.113.72", ses, p));
    log.rec(40, "cowrie.session.file_download", "203.0.113.72", ses, {
      url: "http://198.51.100.99/bins.sh",
      shasum: "a3f1c0ffee00000000000000000000000000000000000000000000000000beef",
      outfile: "var/lib/cowrie/downloads/a3f1c0ffee",
    });
    log.closed(45, "203.0.113.72", ses, 35);
  },

  /** Everything at once, interleaved, with IPv4-mapped IPv6 sources and malformed lines. */
  mixed(log) {
    // 203.0.113.50, seen both as IPv4 and IPv4-mapped IPv6: six failures 10 s apart.
    const a = log.session();
    const b = log.session();
    log.connect(0, "203.0.113.50", a);
    log.connect(1, "::ffff:203.0.113.50", b);
    for (let i = 0; i < 6; i++) {
      log.failed(
        10 + i * 10,
        i % 2 ? "::ffff:203.0.113.50" : "203.0.113.50",
        i % 2 ? b : a,
        "admin",
        `x${i}`,
      );
    }
    // 192.0.2.40: logs in at 30 s, scans 16 ports 1 s apart from 100 s.
    const c = log.session();
    log.connect(30, "192.0.2.40", c);
    log.success(31, "192.0.2.40", c, "root", "1234");
    PORTS.slice(0, 16).forEach((p, i) => log.forward(100 + i, "192.0.2.40", c, p));
    // 198.51.100.60: 120 events 40 ms apart from 200 s.
    connectFlood(log, 200, "198.51.100.60", 40, 0.04);
    // A person in the middle of it all.
    humanSession(log, 20, "203.0.113.80");
    // Malformed lines: not JSON, an invalid source address, a truncated record.
    log.raw(50, "this is not json");
    log.rec(60, "cowrie.login.failed", "999.1.2.3", "bad", { username: "root", password: "x" });
    log.raw(
      70,
      '{"eventid": "cowrie.login.failed", "timestamp": "2026-03-01T12:01:10.000000Z", "src_ip": "203.0',
    );
  },
};

if (import.meta.main) {
  const here = new URL(".", import.meta.url);
  for (const [name, build] of Object.entries(scenarios)) {
    const log = new Log();
    build(log);
    const dir = new URL(`${name}/`, here);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(new URL("events.jsonl", dir), log.text());
  }
}
