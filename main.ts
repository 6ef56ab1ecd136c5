/**
 * honeywatch server. Composes config, Deno KV, the runtime and the app; nothing else.
 *
 *   deno task start --port 8000 --kv ./data/honeywatch.kv --ingest-token T
 */
import { systemClock } from "./lib/clock.ts";
import { ConfigError, loadConfig, USAGE } from "./lib/config.ts";
import { startLocalDemo } from "./lib/demo.ts";
import { announce, log, setLogLevel } from "./lib/log.ts";
import { startRuntime } from "./lib/runtime.ts";
import { createApp } from "./routes/mod.ts";

/** How long a stop waits for open requests before it flushes and exits. */
const SHUTDOWN_GRACE_MS = 3_000;

/** Open the configured KV: a file (its folder created), `:memory:`, a KV Connect URL, or Deploy's KV. */
export async function openKv(path: string | undefined): Promise<Deno.Kv> {
  if (path && path !== ":memory:" && !/^https?:\/\//i.test(path)) {
    const dir = path.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  return await Deno.openKv(path);
}

export async function main(args: string[]): Promise<void> {
  let config;
  try {
    config = loadConfig(args, Deno.env.toObject());
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message);
      Deno.exit(2);
    }
    throw e;
  }
  if (config.help) {
    announce(USAGE);
    return;
  }
  setLogLevel(config.logLevel);
  const kv = await openKv(config.kvPath);
  const rt = await startRuntime(kv, config, systemClock);
  const app = createApp(rt);
  let stopDemo = () => {};
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen({ port, hostname }) {
      const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
      announce(`honeywatch listening on http://${host}:${port}/`);
      if (config.ingestTokenGenerated) {
        announce(
          `ingest token (generated for this run; set --ingest-token to fix it): ${config.ingestToken}`,
        );
      }
      if (config.demo) {
        stopDemo = startLocalDemo(port, config.ingestToken, config.demoRate);
      }
    },
  }, app.fetch);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    stopDemo();
    // Live streams (SSE, WebSocket subscribers) never end by themselves: requests get a few
    // seconds, then the runtime is flushed and the exit closes what is still open.
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS))]);
    await rt.close();
    kv.close();
    Deno.exit(0);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(sig, stop);
    } catch { /* not supported here (e.g. Windows SIGTERM) */ }
  }
  await server.finished;
}

if (import.meta.main) await main(Deno.args);
