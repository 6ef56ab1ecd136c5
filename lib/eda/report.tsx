/**
 * The offline EDA report: one self-contained HTML file (styles, data and the charts bundle
 * inlined; no network). Attacker strings are rendered as text by Preact and the island's
 * props are escaped JSON, so nothing in the logs can become markup or script.
 */
import { renderToString } from "preact-render-to-string";
import { EdaReport } from "../../components/EdaReport.tsx";
import type { EdaData } from "./analyze.ts";

/** Text that is safe inside a `<script>` or `<style>` element. */
export function inlineSafe(code: string): string {
  return code.replace(/<\/(script|style)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** Bundle the report's browser entry (preact, chart.js, the charts island) into one script. */
export async function bundleReportClient(): Promise<string> {
  const root = new URL("../../", import.meta.url);
  const entry = new URL("lib/eda/report_client.ts", root).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--minify", entry],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Cannot bundle the report's charts: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** The report as a complete HTML document. */
export function renderReport(data: EdaData, assets: { script: string; css: string }): string {
  const body = renderToString(
    <>
      <header class="top">
        <span class="brand">honeywatch</span>
        <span class="muted">exploratory report</span>
      </header>
      <main>
        <h1>{data.title}</h1>
        <p class="muted">
          From {data.generatedFrom.length} input{data.generatedFrom.length === 1 ? "" : "s"}:{" "}
          {data.generatedFrom.join(", ")}
        </p>
        <EdaReport data={data} />
      </main>
    </>,
  );
  const title = renderToString(<title>{`${data.title} · honeywatch EDA`}</title>);
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark">' + title +
    `<style>${inlineSafe(assets.css)}</style></head><body>${body}` +
    `<script type="module">${inlineSafe(assets.script)}</script></body></html>\n`;
}
