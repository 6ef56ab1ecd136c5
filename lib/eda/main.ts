/**
 * `deno task eda -- FILE... --out report.html [--source cowrie|sshd|firewall|zeek] [--title T]`:
 * an exploratory analysis of log files as one self-contained, offline HTML report.
 */
import { parseArgs } from "node:util";
import { log } from "../log.ts";
import type { Source } from "../schema.ts";
import { analyze } from "./analyze.ts";
import { readInputs } from "./read.ts";
import { bundleReportClient, renderReport } from "./report.tsx";

export const USAGE = `Usage: deno task eda -- FILE... --out report.html [--source S] [--title T]

  FILE...        log files (cowrie.json, sshd auth.log, firewall log, Zeek conn.log); the source of each
                 is detected from its first lines unless --source is given
  --out PATH     where to write the HTML report (default eda-report.html)
  --source S     cowrie, sshd, firewall or zeek for every file
  --title T      the report's title`;

/** Run the CLI; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      // `deno task eda -- ...` passes the "--" through.
      args: args[0] === "--" ? args.slice(1) : args,
      allowPositionals: true,
      options: {
        out: { type: "string", default: "eda-report.html" },
        source: { type: "string" },
        title: { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (e) {
    log.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? log.info : log.error)(USAGE);
    return values.help ? 0 : 2;
  }
  let read;
  try {
    read = await readInputs(positionals, { source: values.source as Source | undefined });
  } catch (e) {
    log.error(`Cannot read the input: ${(e as Error).message}`);
    return 1;
  }
  const { events, quality } = read;
  const data = analyze(events, {
    title: values.title ??
      `Exploratory analysis of ${positionals.length} file${positionals.length > 1 ? "s" : ""}`,
    inputs: positionals.map((p) => p.split("/").pop() ?? p),
    quality,
  });
  const css = await Deno.readTextFile(new URL("../../static/style.css", import.meta.url));
  const html = renderReport(data, { script: await bundleReportClient(), css });
  const out = values.out!;
  try {
    const dir = out.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(out, html);
  } catch (e) {
    log.error(`Cannot write the report to ${JSON.stringify(out)}: ${(e as Error).message}`);
    return 1;
  }
  log.info("report written", {
    out: values.out,
    events: data.summary.events,
    ips: data.summary.ips,
    anomalies: data.summary.anomalies,
    bytes: html.length,
  });
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
