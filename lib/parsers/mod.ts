/** One entry point for every source's parser. */
import type { ParseResult, Source } from "../schema.ts";
import { parseCowrieLine, parseCowrieRecord } from "./cowrie.ts";

/** A parser for one stream (one sensor and source); some sources keep state across lines. */
export interface RecordParser {
  parse(record: unknown): ParseResult;
}

/** A parser for `source` lines or records from `sensor`. */
export function createParser(source: Source, ctx: { sensor: string }): RecordParser {
  switch (source) {
    case "cowrie":
      return {
        parse: (rec) =>
          typeof rec === "string" ? parseCowrieLine(rec, ctx.sensor) : parseCowrieRecord(rec, ctx.sensor),
      };
    default:
      return {
        parse: () => ({
          ok: false,
          reason: "unparsable_line",
          detail: `source "${source}" is not supported yet`,
        }),
      };
  }
}
