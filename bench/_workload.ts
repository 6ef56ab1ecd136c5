/** Workloads shared by the benchmarks: generated Cowrie lines and the peers' sshd auth.log. */
import { generateCowrie } from "../collector/generate.ts";

/**
 * `n` realistic Cowrie JSON lines (background scanners, brute force, scans, downloads), the
 * generator's default mix at a high rate so many sessions overlap. Same seed, same lines.
 */
export function cowrieLines(n: number, seed = 7, start = Date.parse("2026-11-25T00:00:00Z")): string[] {
  const out: string[] = [];
  const gen = generateCowrie({ seed, start, rate: 2000 });
  for (let i = 0; i < n; i++) out.push(JSON.stringify(gen.next().value.record));
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

/**
 * A background Cowrie line: scanner `k` of a pool of 65 536 IPs connecting, sending a
 * version or leaving (by `k % 3`).
 */
export function scannerLine(k: number, now: number, sensor: string): string {
  const ip = `203.0.${(k >> 8) & 255}.${k & 255}`;
  const kinds = ["cowrie.session.connect", "cowrie.client.version", "cowrie.session.closed"];
  const eventid = kinds[k % 3];
  const extra = eventid === "cowrie.session.connect"
    ? `,"src_port":${40000 + (k % 20000)},"dst_ip":"10.0.0.2","dst_port":2222,"protocol":"ssh"`
    : eventid === "cowrie.client.version"
    ? `,"version":"SSH-2.0-Go"`
    : `,"duration_ms":${k % 5000}`;
  return `{"eventid":"${eventid}","timestamp":"${iso(now)}","src_ip":"${ip}","session":"${
    (k % 0xffffff).toString(16).padStart(12, "0")
  }","sensor":"${sensor}","message":""${extra}}`;
}

/** A failed root login from `ip`, the `k`th of the run (its own session and password). */
export function failedLine(ip: string, now: number, k: number, sensor: string): string {
  return `{"eventid":"cowrie.login.failed","timestamp":"${iso(now)}","src_ip":"${ip}","session":"beef${
    String(k).padStart(8, "0")
  }","username":"root","password":"pw${k}","sensor":"${sensor}","message":""}`;
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The `q` quantile (0..1) of numbers, nearest rank. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Path of the shared tools folder, or null when it is not beside the repository. */
export function sharedTools(): string | null {
  const p = new URL("../../shared/tools/", import.meta.url).pathname;
  try {
    return Deno.statSync(p).isDirectory ? p : null;
  } catch {
    return null;
  }
}

/** Run a command, return stdout; throws with stderr on failure. */
export async function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: opts.cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Is `cmd` on PATH? */
export async function have(cmd: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${cmd}`],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
  } catch {
    return false;
  }
}
