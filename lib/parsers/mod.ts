/** One entry point for every source's parser. */
import type { ParseResult, Source } from "../schema.ts";
import { parseCowrieLine, parseCowrieRecord } from "./cowrie.ts";
import { createFirewallParser } from "./firewall.ts";
import type { LineParserContext } from "./line_context.ts";
import { createSshdParser } from "./sshd.ts";
import { createZeekParser } from "./zeek.ts";

/** A parser for one stream (one sensor and source); some sources keep state across lines. */
export interface RecordParser {
  parse(record: unknown): ParseResult;
}

/** Line sources take raw lines; anything else is a wrong type. */
function lines(p: { parse(line: string): ParseResult }): RecordParser {
  return {
    parse: (rec) =>
      typeof rec === "string" ? p.parse(rec) : {
        ok: false,
        reason: "wrong_type",
        detail: `record is ${typeof rec}, expected a log line (string)`,
      },
  };
}

/** A parser for `source` lines or records from `ctx.sensor`. */
export function createParser(source: Source, ctx: LineParserContext): RecordParser {
  switch (source) {
    case "cowrie":
      return {
        parse: (rec) =>
          typeof rec === "string" ? parseCowrieLine(rec, ctx.sensor) : parseCowrieRecord(rec, ctx.sensor),
      };
    case "sshd":
      return lines(createSshdParser(ctx));
    case "firewall":
      return lines(createFirewallParser(ctx));
    case "zeek": {
      const zeek = createZeekParser(ctx);
      // Zeek JSON lines may arrive already parsed by the collector.
      return {
        parse: (rec) => {
          if (typeof rec === "string") return zeek.parse(rec);
          if (rec !== null && typeof rec === "object") return zeek.parse(JSON.stringify(rec));
          return {
            ok: false,
            reason: "wrong_type",
            detail: `record is ${typeof rec}, expected a conn.log line`,
          };
        },
      };
    }
  }
}
