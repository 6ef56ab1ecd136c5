/**
 * Cowrie's TTY log format (`var/lib/cowrie/tty/<sha256>`), the one Cowrie's `playlog` reads:
 * a sequence of records, each a 24-byte little-endian header `<iLiiLL` (op, tty, length,
 * direction, seconds, microseconds) followed by `length` bytes of data.
 *
 * - op: 1 open, 2 close, 3 write, 4 exec;
 * - direction of a write: 1 input (what the attacker sent), 2 output (what the honeypot's
 *   terminal showed, including the echo of typed input), 3 interact.
 *
 * `parseTtylog` checks every header and says where a file is malformed; `ttylogLines` turns
 * the output stream into terminal lines with their times, through a small terminal model
 * (carriage return, backspace, escape sequences dropped), for the replay island. Everything
 * stays text: nothing an attacker's terminal printed is ever interpreted as markup.
 */
import type { ReplayLine } from "./session_replay.ts";

export const OP_OPEN = 1;
export const OP_CLOSE = 2;
export const OP_WRITE = 3;
export const OP_EXEC = 4;
export const TTY_INPUT = 1;
export const TTY_OUTPUT = 2;
export const TTY_INTERACT = 3;

const HEADER = 24;

/** One record of a TTY log. */
export interface TtyRecord {
  op: number;
  direction: number;
  /** Epoch milliseconds (microseconds kept as the fraction). */
  ts: number;
  data: Uint8Array;
}

export type TtylogParse =
  | { ok: true; records: TtyRecord[] }
  | { ok: false; reason: string; at: number };

/** Parses a whole TTY log; the first malformed record makes it fail with its byte offset. */
export function parseTtylog(bytes: Uint8Array): TtylogParse {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: TtyRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < HEADER) {
      return { ok: false, reason: `truncated header: ${bytes.length - at} of ${HEADER} bytes`, at };
    }
    const op = view.getInt32(at, true);
    const length = view.getInt32(at + 8, true);
    const direction = view.getInt32(at + 12, true);
    const sec = view.getUint32(at + 16, true);
    const usec = view.getUint32(at + 20, true);
    if (op < OP_OPEN || op > OP_EXEC) return { ok: false, reason: `unknown op ${op}`, at };
    if (length < 0) return { ok: false, reason: `negative length ${length}`, at };
    if (usec >= 1_000_000) return { ok: false, reason: `microseconds ${usec} out of range`, at };
    if (op === OP_WRITE && (direction < TTY_INPUT || direction > TTY_INTERACT)) {
      return { ok: false, reason: `unknown direction ${direction}`, at };
    }
    if (bytes.length - at - HEADER < length) {
      return {
        ok: false,
        reason: `truncated data: ${bytes.length - at - HEADER} of ${length} bytes`,
        at,
      };
    }
    records.push({
      op,
      direction,
      ts: sec * 1000 + usec / 1000,
      data: bytes.subarray(at + HEADER, at + HEADER + length),
    });
    at += HEADER + length;
  }
  if (records.length === 0) return { ok: false, reason: "empty file", at: 0 };
  return { ok: true, records };
}

/** Builds a TTY log (for tests, fixtures and the demo feed). */
export function encodeTtylog(records: readonly TtyRecord[]): Uint8Array {
  const size = records.reduce((n, r) => n + HEADER + r.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const r of records) {
    const sec = Math.floor(r.ts / 1000);
    const usec = Math.min(999_999, Math.round((r.ts - sec * 1000) * 1000));
    view.setInt32(at, r.op, true);
    view.setUint32(at + 4, 0, true);
    view.setInt32(at + 8, r.data.length, true);
    view.setInt32(at + 12, r.direction, true);
    view.setUint32(at + 16, sec, true);
    view.setUint32(at + 20, usec, true);
    out.set(r.data, at + HEADER);
    at += HEADER + r.data.length;
  }
  return out;
}

/** A few facts about a parsed log. */
export function ttylogSummary(records: readonly TtyRecord[]): {
  start: number;
  durationMs: number;
  inputBytes: number;
  outputBytes: number;
} {
  let inputBytes = 0;
  let outputBytes = 0;
  for (const r of records) {
    if (r.op !== OP_WRITE) continue;
    if (r.direction === TTY_INPUT) inputBytes += r.data.length;
    else outputBytes += r.data.length;
  }
  const start = records[0]?.ts ?? 0;
  const end = records.reduce((m, r) => Math.max(m, r.ts), start);
  return { start, durationMs: Math.round(end - start), inputBytes, outputBytes };
}

const MAX_LINE = 2000;

/**
 * A line-oriented terminal: printable text goes to the cursor, `\r` returns to column 0 (what
 * follows overwrites), `\b` moves left, `\n` ends the line, escape sequences (CSI, OSC, and
 * two-byte ones) are dropped, whatever chunk boundaries they span.
 */
class LineTerminal {
  #line: string[] = [];
  #col = 0;
  #esc: "" | "esc" | "csi" | "osc" | "osc_esc" = "";
  readonly #decoder = new TextDecoder("utf-8", { fatal: false });

  constructor(private readonly emit: (text: string) => void) {}

  write(bytes: Uint8Array): void {
    this.#feed(this.#decoder.decode(bytes, { stream: true }));
  }

  end(): void {
    this.#feed(this.#decoder.decode());
    if (this.#line.length > 0) this.#newline();
  }

  #newline(): void {
    this.emit(this.#line.join("").trimEnd());
    this.#line = [];
    this.#col = 0;
  }

  #feed(s: string): void {
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      switch (this.#esc) {
        case "esc":
          this.#esc = ch === "[" ? "csi" : ch === "]" ? "osc" : "";
          continue;
        case "csi":
          if (c >= 0x40 && c <= 0x7e) this.#esc = "";
          continue;
        case "osc":
          if (c === 0x07) this.#esc = "";
          else if (c === 0x1b) this.#esc = "osc_esc";
          continue;
        case "osc_esc":
          this.#esc = ch === "\\" ? "" : "osc";
          continue;
      }
      if (c === 0x1b) this.#esc = "esc";
      else if (c === 0x0a) this.#newline();
      else if (c === 0x0d) this.#col = 0;
      else if (c === 0x08) this.#col = Math.max(0, this.#col - 1);
      else if (c === 0x09) this.#put(" ".repeat(8 - (this.#col % 8)));
      else if (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0)) this.#put(ch);
    }
  }

  #put(s: string): void {
    for (const ch of s) {
      if (this.#col >= MAX_LINE) return;
      this.#line[this.#col++] = ch;
    }
  }
}

/**
 * The terminal lines of a TTY log with their times (ms after the log opened). Output is what
 * the attacker saw, typed input included through the echo; a log with no output (an exec
 * channel with nothing printed) shows its input instead. At most `maxLines` lines.
 */
export function ttylogLines(records: readonly TtyRecord[], maxLines = 5000): ReplayLine[] {
  const t0 = records[0]?.ts ?? 0;
  const hasOutput = records.some((r) => r.op === OP_WRITE && r.direction !== TTY_INPUT && r.data.length);
  const wanted = (r: TtyRecord) =>
    r.op === OP_WRITE && (hasOutput ? r.direction !== TTY_INPUT : r.direction === TTY_INPUT);
  const out: ReplayLine[] = [];
  let at = 0;
  const term = new LineTerminal((text) => {
    if (out.length < maxLines) out.push({ at, style: hasOutput ? "out" : "in", text });
  });
  for (const r of records) {
    if (!wanted(r)) continue;
    at = Math.max(0, Math.round(r.ts - t0));
    term.write(r.data);
    if (out.length >= maxLines) break;
  }
  term.end();
  return out;
}
