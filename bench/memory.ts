/**
 * Benchmark 3: memory per tracked source IP. A child process (for a clean heap) applies one
 * event from each of N distinct IPs through the real actor system on a KV file, then
 * measures the heap and resident set with every actor in memory, and again after they were
 * flushed and passivated as idle.
 *
 *   deno run -A --v8-flags=--expose-gc bench/memory.ts --child N
 */
import { ActorSystem } from "../actors/system.ts";
import { KnownIps } from "../actors/known.ts";
import { FakeClock } from "../lib/clock.ts";
import { buildDetectors } from "../lib/detectors/mod.ts";
import type { NormalisedEvent } from "../lib/schema.ts";

export interface MemoryResult {
  ips: number;
  bytes_per_active_ip_heap: number;
  bytes_per_active_ip_rss: number;
  bytes_per_idle_ip_heap: number;
  bytes_per_idle_ip_rss: number;
  seconds: number;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function ipOf(i: number): string {
  return `${11 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

async function child(n: number): Promise<MemoryResult> {
  const dir = await Deno.makeTempDir({ prefix: "hw-mem-" });
  const kv = await Deno.openKv(`${dir}/m.kv`);
  const t0 = performance.now();
  try {
    const clock = new FakeClock(Date.parse("2026-11-25T00:00:00Z"));
    const actors = new ActorSystem(kv, {
      clock,
      detectors: buildDetectors(),
      maxActors: n + 1,
      idleMs: 60_000,
      known: new KnownIps(),
    });
    gc();
    const base = Deno.memoryUsage();
    for (let i = 0; i < n; i += 1000) {
      const batch: NormalisedEvent[] = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        batch.push({
          id: `m.${j}`,
          ts: clock.now() + j,
          sensor: "mem",
          source: "cowrie",
          kind: "connect",
          src_ip: ipOf(j),
          dst_port: 2222,
          session: "0123456789ab",
        });
      }
      await actors.apply(batch, { instance: "mem", batch: i / 1000 + 1 });
    }
    gc();
    const active = Deno.memoryUsage();
    await actors.flush();
    clock.advance(120_000);
    await actors.passivateIdle();
    gc();
    const idle = Deno.memoryUsage();
    if (actors.size !== 0) throw new Error(`${actors.size} actors still in memory after passivation`);
    const per = (a: number, b: number) => Math.max(0, Math.round((a - b) / n));
    return {
      ips: n,
      bytes_per_active_ip_heap: per(active.heapUsed, base.heapUsed),
      bytes_per_active_ip_rss: per(active.rss, base.rss),
      bytes_per_idle_ip_heap: per(idle.heapUsed, base.heapUsed),
      bytes_per_idle_ip_rss: per(idle.rss, base.rss),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    };
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Run the measurement for `n` IPs in a fresh child process. */
export async function benchMemory(n: number): Promise<MemoryResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname, "--child", String(n)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`memory bench child failed for ${n} IPs`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--child");
  const n = Number(Deno.args[i + 1] ?? Deno.args[0] ?? 100_000);
  // deno-lint-ignore no-console
  console.log(JSON.stringify(i >= 0 ? await child(n) : await benchMemory(n)));
}
