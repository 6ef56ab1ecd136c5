/**
 * Follows log files like `tail -F`, by polling (default every 250 ms) with Deno.FsFile reads.
 *
 * - Rename-and-create rotation: when the path names another file, the old one is read to its
 *   end first (found again by dev+ino after a restart, e.g. as `cowrie.json.1`), then the new
 *   file is read from its start.
 * - Copytruncate rotation and truncation: detected when the file shrinks or when the 32 bytes
 *   before the read offset no longer match what was read there. If a copy of the old content
 *   sits next to the file (same bytes at that offset), its remainder is read first; then the
 *   file is read from its start. Lines written between the copy and the truncate are gone, as
 *   with every copytruncate reader.
 * - A last line without a newline waits for its newline. Exceptions, after `graceMs` (1 s) with
 *   no growth: the end of a rotated-away file (no writer will finish it), and every file in
 *   `once` mode (a file copied while written ends in a cut line, which is then sent as a line
 *   and counted by the parser). A line longer than `maxLineBytes` is cut there.
 * - Restart: positions (FilePosition) say which file and offset to continue from; nothing is
 *   skipped or read twice as long as the caller persists the position of the last line it
 *   made durable.
 */
import { log } from "../lib/log.ts";
import type { FilePosition } from "./checkpoint.ts";

export interface TailOptions {
  paths: readonly string[];
  /** Resume points by configured path (from the checkpoint or spool). */
  positions?: Readonly<Record<string, FilePosition>>;
  /** Files with no resume point start at byte 0 instead of at their end. */
  fromStart?: boolean;
  /** Stop (read() returns null) once every file has been read to its current end. */
  once?: boolean;
  pollMs?: number;
  graceMs?: number;
  maxLineBytes?: number;
}

const TAIL_BYTES = 32;
const CHUNK = 256 * 1024;
const encoder = new TextEncoder();

/** One complete line and where reading stands right after it. */
export class TailLine {
  constructor(
    readonly path: string,
    readonly text: string,
    readonly bytes: number,
    readonly dev: number,
    readonly ino: number,
    /** Offset just after the line (and its newline). */
    readonly end: number,
    readonly buf: Uint8Array,
    readonly bufEnd: number,
  ) {}

  /** The resume point after this line (computed on demand: only batch ends need it). */
  position(): FilePosition {
    const from = Math.max(0, this.bufEnd - TAIL_BYTES);
    return {
      path: this.path,
      dev: this.dev,
      ino: this.ino,
      offset: this.end,
      tail: b64(this.buf.subarray(from, this.bufEnd)),
    };
  }
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

async function readAt(file: Deno.FsFile, pos: number, len: number): Promise<Uint8Array> {
  const buf = new Uint8Array(len);
  await file.seek(pos, Deno.SeekMode.Start);
  let n = 0;
  while (n < len) {
    const r = await file.read(buf.subarray(n));
    if (r === null) break;
    n += r;
  }
  return buf.subarray(0, n);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** An open file being read: its identity, the offset after the last line, the bytes before it. */
interface Reader {
  file: Deno.FsFile;
  name: string;
  dev: number;
  ino: number;
  offset: number;
  tail: Uint8Array;
  size: number;
  /** Size and time when an unterminated last line was first seen at the end. */
  partial?: { size: number; since: number };
}

async function openReader(name: string, offset: number, tail: Uint8Array): Promise<Reader | null> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(name, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const st = await file.stat();
  return { file, name, dev: st.dev, ino: st.ino ?? 0, offset, tail, size: st.size };
}

/** Does `name` hold `tail` just before `offset`? */
async function holdsTail(r: Reader, offset: number, tail: Uint8Array): Promise<boolean> {
  if (offset < tail.length || r.size < offset) return false;
  return equalBytes(await readAt(r.file, offset - tail.length, tail.length), tail);
}

/** Follows one configured path. */
class Follower {
  cur: Reader | null = null;
  done = false;

  constructor(readonly path: string, readonly opts: Required<Omit<TailOptions, "positions" | "paths">>) {}

  async start(pos: FilePosition | undefined): Promise<void> {
    if (!pos) {
      const r = await openReader(this.path, 0, new Uint8Array());
      if (r && !this.opts.fromStart) await this.#seekToLastLine(r);
      this.cur = r;
      return;
    }
    const tail = unb64(pos.tail);
    const live = await openReader(this.path, pos.offset, tail);
    if (live && live.dev === pos.dev && live.ino === pos.ino) {
      if (await holdsTail(live, pos.offset, tail)) {
        this.cur = live;
        return;
      }
      log.warn("collector: file was truncated while the collector was stopped", { path: this.path });
      this.cur = live;
      await this.#truncated(live);
      return;
    }
    // The file we were reading was rotated away: find it by identity in the same directory.
    const old = await this.#findSibling((r) => r.dev === pos.dev && r.ino === pos.ino, pos.offset, tail);
    if (old) {
      log.info("collector: finishing rotated file first", { path: this.path, file: old.name });
      live?.file.close();
      this.cur = old;
      return;
    }
    log.warn("collector: the file last read is gone; lines after the checkpoint may be lost", {
      path: this.path,
      ino: pos.ino,
      offset: pos.offset,
    });
    if (live) {
      live.offset = 0;
      live.tail = new Uint8Array();
    }
    this.cur = live;
  }

  async #seekToLastLine(r: Reader): Promise<void> {
    // Start after the last newline: an unterminated last line is read when it completes.
    let end = r.size;
    while (end > 0) {
      const from = Math.max(0, end - 4096);
      const buf = await readAt(r.file, from, end - from);
      const nl = buf.lastIndexOf(10);
      if (nl >= 0) {
        r.offset = from + nl + 1;
        r.tail = (await readAt(r.file, Math.max(0, r.offset - TAIL_BYTES), Math.min(TAIL_BYTES, r.offset)))
          .slice();
        return;
      }
      end = from;
    }
    r.offset = 0;
  }

  /** A file in the path's directory, other than the live one, that `match`es and holds `tail` at `offset`. */
  async #findSibling(
    match: (r: Reader) => boolean,
    offset: number,
    tail: Uint8Array,
  ): Promise<Reader | null> {
    const dir = dirOf(this.path);
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return null;
    }
    const base = this.path.slice(this.path.lastIndexOf("/") + 1);
    // Rotated names first (cowrie.json.1, cowrie.json.2026-11-25), then the rest.
    entries.sort((a, b) => Number(!b.name.startsWith(base)) - Number(!a.name.startsWith(base)));
    for (const e of entries) {
      const name = dir === "/" ? `/${e.name}` : `${dir}/${e.name}`;
      if (!e.isFile || name === this.path) continue;
      const r = await openReader(name, offset, tail);
      if (!r) continue;
      if (match(r) && (tail.length === 0 ? r.size >= offset : await holdsTail(r, offset, tail))) return r;
      r.file.close();
    }
    return null;
  }

  async #truncated(r: Reader): Promise<void> {
    const { offset, tail } = r;
    // copytruncate: the old content may sit next to it (cowrie.json.1); finish it from there.
    const copy = tail.length > 0
      ? await this.#findSibling((s) => !(s.dev === r.dev && s.ino === r.ino), offset, tail)
      : null;
    if (copy) {
      log.info("collector: file truncated; reading the rest of its copy first", {
        path: this.path,
        copy: copy.name,
      });
      r.file.close();
      this.cur = copy;
      return;
    }
    log.warn("collector: file truncated; reading it again from the start", { path: this.path, offset });
    r.offset = 0;
    r.tail = new Uint8Array();
    r.partial = undefined;
  }

  /** Reads what is new; returns complete lines (and cut lines where allowed). */
  async poll(out: TailLine[], maxBytes: number): Promise<void> {
    if (this.done) return;
    if (!this.cur) {
      this.cur = await openReader(this.path, 0, new Uint8Array());
      if (!this.cur) {
        if (this.opts.once) this.done = true;
        return;
      }
      log.info("collector: file appeared", { path: this.path });
    }
    const live = await statOrNull(this.path);
    // `close()` (SIGTERM) may have run while the stat was awaited.
    if (!this.cur) return;
    let r: Reader = this.cur;
    const rotated = live !== null && (live.dev !== r.dev || (live.ino ?? 0) !== r.ino);
    r.size = (await r.file.stat()).size;

    if (!rotated && r.name === this.path && r.size < r.offset) {
      await this.#truncated(r);
      r = this.cur!;
      r.size = (await r.file.stat()).size;
    }
    const atEnd = await this.#read(r, out, maxBytes);
    if (atEnd === "truncated") {
      await this.#truncated(r);
      return;
    }
    if (!atEnd) return;
    const finished = rotated || this.opts.once;
    if (r.offset < r.size) {
      // An unterminated last line.
      if (!finished) return;
      const now = Date.now();
      if (!r.partial || r.partial.size !== r.size) {
        r.partial = { size: r.size, since: now };
        return;
      }
      if (now - r.partial.since < this.opts.graceMs) return;
      const buf = await readAt(
        r.file,
        Math.max(0, r.offset - TAIL_BYTES),
        r.size - Math.max(0, r.offset - TAIL_BYTES),
      );
      const head = r.offset - Math.max(0, r.offset - TAIL_BYTES);
      this.#emit(r, out, buf, head, buf.length, buf.length);
      log.warn("collector: read an unterminated last line as complete", { path: r.name });
    }
    if (rotated) {
      log.info("collector: file rotated; switching to the new file", { path: this.path, oldIno: r.ino });
      r.file.close();
      this.cur = await openReader(this.path, 0, new Uint8Array());
    } else if (this.opts.once) {
      this.done = true;
    }
  }

  #emit(r: Reader, out: TailLine[], buf: Uint8Array, start: number, end: number, next: number): void {
    let stop = end;
    if (stop > start && buf[stop - 1] === 13) stop--; // CRLF
    const text = decoder.decode(buf.subarray(start, stop));
    r.offset += next - start;
    out.push(new TailLine(this.path, text, next - start, r.dev, r.ino, r.offset, buf, next));
    r.tail = buf.subarray(Math.max(0, next - TAIL_BYTES), next);
  }

  /** Reads lines from `r.offset`; true at the end of the file, "truncated" if its bytes changed. */
  async #read(r: Reader, out: TailLine[], maxBytes: number): Promise<boolean | "truncated"> {
    let budget = maxBytes;
    let chunk = CHUNK;
    while (budget > 0) {
      if (r.size <= r.offset) return true;
      const head = r.tail.length;
      const want = Math.min(r.size - r.offset, Math.max(chunk, 1));
      const buf = await readAt(r.file, r.offset - head, want + head);
      if (buf.length < head + 1) return true;
      if (head > 0 && !equalBytes(buf.subarray(0, head), r.tail)) return "truncated";
      let start = head;
      let nl = buf.indexOf(10, start);
      if (nl < 0) {
        if (buf.length - head < want || r.offset + want >= r.size) return true; // partial last line
        if (chunk < this.opts.maxLineBytes) {
          chunk = Math.min(chunk * 2, this.opts.maxLineBytes);
          continue;
        }
        log.warn("collector: line longer than the limit; cut", {
          path: r.name,
          bytes: this.opts.maxLineBytes,
        });
        this.#emit(r, out, buf, start, buf.length, buf.length);
        budget -= buf.length - head;
        continue;
      }
      while (nl >= 0) {
        this.#emit(r, out, buf, start, nl, nl + 1);
        start = nl + 1;
        nl = buf.indexOf(10, start);
      }
      budget -= start - head;
      if (buf.length - head < want) return true;
    }
    return false;
  }

  lag(): number {
    return this.cur ? Math.max(0, this.cur.size - this.cur.offset) : 0;
  }

  close(): void {
    this.cur?.file.close();
    this.cur = null;
  }
}

const decoder = new TextDecoder();

/**
 * Follows several files; `read()` returns the next lines in file order per path.
 *
 * @example
 * const t = new Tailer({ paths: ["cowrie.json"], positions: checkpoint.files });
 * await t.open();
 * for (let lines = await t.read(); lines; lines = await t.read()) handle(lines);
 */
export class Tailer {
  readonly #followers: Follower[];
  readonly #opts: TailOptions;
  #closed = false;
  #reading = false;
  #wake: (() => void) | null = null;

  constructor(opts: TailOptions) {
    this.#opts = opts;
    const resolved = {
      fromStart: opts.fromStart ?? false,
      once: opts.once ?? false,
      pollMs: opts.pollMs ?? 250,
      graceMs: opts.graceMs ?? 1000,
      maxLineBytes: opts.maxLineBytes ?? 1024 * 1024,
    };
    this.#followers = opts.paths.map((p) => new Follower(p, resolved));
  }

  async open(): Promise<void> {
    for (const f of this.#followers) await f.start(this.#opts.positions?.[f.path]);
  }

  /**
   * The next lines (up to about `maxBytes`), waiting by polling until there are some.
   * Returns null when closed, or in `once` mode when every file has been read to its end.
   * One read at a time: a second call while one is pending throws, since two pollers of one
   * file would hand its lines to whichever caller happened to poll first.
   */
  async read(maxBytes = 1024 * 1024): Promise<TailLine[] | null> {
    if (this.#reading) throw new Error("Tailer.read() called while another read() is pending");
    this.#reading = true;
    try {
      return await this.#read(maxBytes);
    } finally {
      this.#reading = false;
    }
  }

  async #read(maxBytes: number): Promise<TailLine[] | null> {
    while (!this.#closed) {
      const out: TailLine[] = [];
      for (const f of this.#followers) {
        try {
          await f.poll(out, maxBytes);
        } catch (e) {
          // close() closed the file under a poll: stopping, not an error.
          if (this.#closed) return null;
          throw e;
        }
      }
      if (out.length > 0) return out;
      if (this.#followers.every((f) => f.done)) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.#wake = null;
          resolve();
        }, this.#opts.pollMs ?? 250);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return null;
  }

  /** Bytes written to the files but not yet read. */
  lagBytes(): number {
    return this.#followers.reduce((n, f) => n + f.lag(), 0);
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
    for (const f of this.#followers) f.close();
  }
}

/** Byte length of a string in UTF-8 (for batch size accounting). */
export function utf8Bytes(s: string): number {
  return encoder.encode(s).length;
}
