/**
 * honeywatch collector. Composes: command line, signals, runCollector.
 *
 *   deno run -A collector/main.ts --server ws://127.0.0.1:8000/ingest --token T --sensor vm1 cowrie.json
 */
import { announce, log, setLogLevel } from "../lib/log.ts";
import { parseCollectorArgs, USAGE, UsageError } from "./cli.ts";
import { runCollector } from "./collector.ts";

export async function main(args: string[]): Promise<number> {
  let cli;
  try {
    // Only the one variable: the compiled collector may read no other (--allow-env=HONEYWATCH_TOKEN).
    cli = parseCollectorArgs(args, { HONEYWATCH_TOKEN: Deno.env.get("HONEYWATCH_TOKEN") });
  } catch (e) {
    if (e instanceof UsageError) {
      log.error(e.message);
      return 2;
    }
    throw e;
  }
  if (cli.help) {
    announce(USAGE);
    return 0;
  }
  setLogLevel(cli.logLevel);
  if (cli.config.once) {
    for (const f of cli.config.files) {
      try {
        await Deno.stat(f.path);
      } catch {
        log.error(`Cannot read "${f.path}": no such file (--once reads files that exist)`);
        return 2;
      }
    }
  }
  const ac = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(sig, () => ac.abort());
    } catch { /* not supported on this platform */ }
  }
  return await runCollector(cli.config, ac.signal);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
