/**
 * Read log files for the EDA report: detect each file's source, parse every line with the
 * server's own parsers, and count what the parsers rejected or skipped (data quality).
 */
import { basename } from "node:path";
import { createParser } from "../parsers/mod.ts";
import { type NormalisedEvent, type Source, SOURCES } from "../schema.ts";
import type { Count, QualityInput } from "./analyze.ts";

/** Guess a file's source from its first non-empty lines. */
export function detectSource(text: string): Source {
  const head = text.slice(0, 20_000).split("\n").filter((l) => l.trim() !== "").slice(0, 20);
  if (head.some((l) => l.startsWith("#separator") || l.startsWith("#fields"))) return "zeek";
  if (head.some((l) => l.trimStart().startsWith("{"))) {
    return head.some((l) => /"eventid"\s*:/.test(l)) || !head.some((l) => /"uid"\s*:/.test(l))
      ? "cowrie"
      : "zeek";
  }
  if (head.some((l) => / sshd\[\d+\]:/.test(l))) return "sshd";
  if (head.some((l) => /\bSRC=\S+ DST=/.test(l))) return "firewall";
  return "cowrie";
}

/** Events and parser verdicts of `files` (each named after its base name as the sensor). */
export async function readInputs(
  files: readonly string[],
  opts: { source?: Source } = {},
): Promise<{ events: NormalisedEvent[]; quality: QualityInput }> {
  if (opts.source !== undefined && !SOURCES.includes(opts.source)) {
    throw new Error(
      `Cannot read: source is ${JSON.stringify(opts.source)}, must be one of ${SOURCES.join(", ")}`,
    );
  }
  const events: NormalisedEvent[] = [];
  const quality: QualityInput = { records: 0, skipped: 0, rejected: {}, outOfOrder: 0, perInput: [] };
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    const source = opts.source ?? detectSource(text);
    const name = basename(file);
    const sensor = name.replace(/[^A-Za-z0-9._:-]/g, "_").replace(/^[^A-Za-z0-9]+/, "") || "file";
    const parser = createParser(source, { sensor });
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    let accepted = 0;
    let prev = -Infinity;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === "") continue;
      quality.records++;
      const r = parser.parse(lines[i]);
      if (r.ok === true) {
        events.push({ ...r.event, id: `${sensor}.${i + 1}` });
        accepted++;
        if (r.event.ts < prev) quality.outOfOrder++;
        prev = r.event.ts;
      } else if (r.ok === "skip") quality.skipped++;
      else quality.rejected[r.reason] = (quality.rejected[r.reason] ?? 0) + 1;
    }
    (quality.perInput as Count[]).push({ value: `${name} (${source})`, count: accepted });
  }
  return { events, quality };
}
