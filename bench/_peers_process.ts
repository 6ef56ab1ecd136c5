/**
 * Runs a peer tool as a whole process under a time and memory bound, streaming its output line by
 * line (CrowdSec writes tens of MB of log on a large workload) and sampling its peak RSS.
 */

/** How a bounded run ended. */
export interface BoundedRun {
  /** Wall time from spawn to exit, ms. */
  ms: number;
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: string | null;
  /** Why we stopped it, or null when it exited on its own. */
  stoppedBy: "timeout" | "memory" | "asked" | null;
  /** Peak resident set size, bytes (VmHWM, sampled; 0 when /proc was not readable). */
  peakRssBytes: number;
}

/** Options of {@linkcode runBounded}. */
export interface BoundedOptions {
  cwd?: string;
  timeoutMs: number;
  /** Kill the process once its resident set exceeds this many bytes. */
  maxRssBytes: number;
  /** Called with each line of stdout and of stderr (without its newline). */
  onStdout?: (line: string) => void;
  /** Called with each line of stderr; may call `stop()` to end the process early. */
  onStderr?: (line: string, stop: () => void) => void;
}

const SAMPLE_MS = 200;

/** Reads `VmRSS` and `VmHWM` of `pid` in bytes; zeros when the process is gone. */
export function readRss(pid: number): { rss: number; hwm: number } {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (key: string) => {
      const m = s.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
      return m ? Number(m[1]) * 1024 : 0;
    };
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

async function eachLine(stream: ReadableStream<Uint8Array>, fn: (line: string) => void): Promise<void> {
  const dec = new TextDecoder();
  let rest = "";
  for await (const bytes of stream) {
    const parts = (rest + dec.decode(bytes, { stream: true })).split("\n");
    rest = parts.pop()!;
    for (const p of parts) fn(p);
  }
  rest += dec.decode();
  if (rest !== "") fn(rest);
}

/** Spawn `cmd args`, bounded in time and resident memory; SIGKILL when a bound is crossed. */
export async function runBounded(cmd: string, args: string[], opts: BoundedOptions): Promise<BoundedRun> {
  const t0 = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  let stoppedBy: BoundedRun["stoppedBy"] = null;
  let peak = 0;
  const kill = (why: NonNullable<BoundedRun["stoppedBy"]>) => {
    if (stoppedBy !== null) return;
    stoppedBy = why;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => kill("timeout"), opts.timeoutMs);
  const sampler = setInterval(() => {
    const { rss, hwm } = readRss(child.pid);
    peak = Math.max(peak, hwm, rss);
    if (rss > opts.maxRssBytes) kill("memory");
  }, SAMPLE_MS);
  const stop = () => kill("asked");
  try {
    const [status] = await Promise.all([
      child.status,
      eachLine(child.stdout, opts.onStdout ?? (() => {})),
      eachLine(child.stderr, (l) => opts.onStderr?.(l, stop)),
    ]);
    return {
      ms: performance.now() - t0,
      code: status.signal === null ? status.code : null,
      signal: status.signal,
      stoppedBy,
      peakRssBytes: peak,
    };
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
  }
}
