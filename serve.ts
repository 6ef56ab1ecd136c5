/**
 * honeywatch under `deno serve`, for several cores on one machine:
 *
 *   HONEYWATCH_INGEST_TOKEN=T deno serve --parallel -A --port 8000 serve.ts   (deno task serve:parallel)
 *
 * `--parallel` runs one isolate per CPU (or `DENO_JOBS`). Each isolate is a full instance
 * (runtime, actors, timers, instance id) on the shared KV file; actor state merges on
 * conflict (DESIGN section 4) and the live feed (lib/live_feed.ts) carries every anomaly and
 * drift to the subscribers of every isolate. Configuration comes from `HONEYWATCH_*`
 * environment variables (deno serve passes no flags through); the port and address from
 * `deno serve --port/--host`. The demo feed (`HONEYWATCH_DEMO=1`) runs in one isolate: the
 * one Deno calls `onListen` in. See docs/scaling.md.
 */
import { systemClock } from "./lib/clock.ts";
import { ConfigError, loadConfig } from "./lib/config.ts";
import { startLocalDemo } from "./lib/demo.ts";
import { announce, log, setLogLevel } from "./lib/log.ts";
import { startRuntime } from "./lib/runtime.ts";
import { stopTogether } from "./lib/stop_together.ts";
import { openKv } from "./main.ts";
import { createApp } from "./routes/mod.ts";

let config;
try {
  config = loadConfig([], Deno.env.toObject());
  if (config.ingestTokenGenerated) {
    throw new ConfigError(
      "Set HONEYWATCH_INGEST_TOKEN under deno serve: each isolate would generate a different token",
    );
  }
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  log.error(e.message);
  Deno.exit(2);
}
setLogLevel(config.logLevel);
const kv = await openKv(config.kvPath);
const rt = await startRuntime(kv, config, systemClock);
const app = createApp(rt);
let stopDemo = () => {};
stopTogether("honeywatch-serve", rt.instance, async () => {
  stopDemo();
  await rt.close();
  kv.close();
});

export default {
  fetch: app.fetch,
  // Deno calls this in the first isolate only: the banner and the demo feed appear once.
  onListen(addr) {
    const { hostname, port } = addr as Deno.NetAddr;
    const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
    announce(`honeywatch listening on http://${host}:${port}/ (deno serve)`);
    if (config.demo) {
      stopDemo = startLocalDemo(port, config.ingestToken, config.demoRate);
    }
  },
} satisfies Deno.ServeDefaultExport;
