/**
 * A real server process for the wire resilience tests (`main.ts` on port 0 with a temp KV file,
 * see tests/collector/_procs.ts) and readers of its `/metrics` text.
 */
import { type Proc, startServer } from "../collector/_procs.ts";

export { TOKEN, until } from "../collector/_procs.ts";

export interface ServerProc {
  url: string;
  port: number;
  proc: Proc;
  /** Kill the process and remove its KV directory. */
  stop(): Promise<void>;
}

/** Start `main.ts` with `extra` options on a free port and a fresh KV file. */
export async function startServerProc(extra: string[] = []): Promise<ServerProc> {
  const dir = await Deno.makeTempDir({ prefix: "hw-wire-" });
  const remove = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const { proc, port } = await startServer(`${dir}/hw.kv`, 0, extra);
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      proc,
      async stop() {
        await proc.kill();
        await remove();
      },
    };
  } catch (e) {
    await remove();
    throw e;
  }
}

/** One `/metrics` scrape. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  return await res.text();
}

const SERIES = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every series of `name` in a scrape: its labels and value. */
export function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split("\n")) {
    const m = SERIES.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(LABEL)) labels[k] = v;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the series of `name` whose labels include `where`. */
export function metricSum(text: string, name: string, where: Record<string, string> = {}): number {
  return series(text, name)
    .filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** The series of `name` matching `where`, summed by the value of label `by`. */
export function metricBy(
  text: string,
  name: string,
  by: string,
  where: Record<string, string> = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of series(text, name)) {
    if (!Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    out[s.labels[by]] = (out[s.labels[by]] ?? 0) + s.value;
  }
  return out;
}

/** Total events the server counted for `sensor` (`GET /api/sensors`), 0 when unknown. */
export async function sensorEvents(url: string, sensor: string): Promise<number> {
  const res = await fetch(`${url}/api/sensors`);
  const body = await res.json() as { items: { sensor: string; events: number }[] };
  return body.items.find((s) => s.sensor === sensor)?.events ?? 0;
}
