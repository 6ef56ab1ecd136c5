/**
 * The one logger. Writes one line per record to stderr; level from config.
 * Other modules never call console directly (lint's no-console).
 */
export type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: Level = "info";

/** Set the lowest level that is written. */
export function setLogLevel(level: Level): void {
  threshold = level;
}

function write(level: Level, msg: string, ctx?: Record<string, unknown>): void {
  if (RANK[level] < RANK[threshold]) return;
  const line = ctx ? `${level} ${msg} ${JSON.stringify(ctx)}` : `${level} ${msg}`;
  // deno-lint-ignore no-console
  console.error(line);
}

/** Log records: `log.warn("flush conflict", { ip })`. */
export const log = {
  debug: (msg: string, ctx?: Record<string, unknown>) => write("debug", msg, ctx),
  info: (msg: string, ctx?: Record<string, unknown>) => write("info", msg, ctx),
  warn: (msg: string, ctx?: Record<string, unknown>) => write("warn", msg, ctx),
  error: (msg: string, ctx?: Record<string, unknown>) => write("error", msg, ctx),
};

/** Write a line for a person on stdout (start-up banner). */
export function announce(msg: string): void {
  // deno-lint-ignore no-console
  console.log(msg);
}
