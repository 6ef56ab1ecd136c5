/**
 * The collector's durable state in its state dir: which byte of which file the server has
 * acknowledged, the last batch seq, and counters that must survive restarts.
 *
 * Written atomically (temp file, fsync, rename, fsync of the directory), and only with
 * positions the server acknowledged. Lines read after that point are either in the spool
 * (spool.ts, which carries its own positions) or will be read again.
 */

/** Where reading of one configured path stands: the file's identity and a byte offset. */
export interface FilePosition {
  /** The configured path (the live name, e.g. `/var/log/cowrie/cowrie.json`). */
  path: string;
  /** Identity of the file being read; after a rotation it can be a renamed file. */
  dev: number;
  ino: number;
  /** Byte offset just after the last line consumed. */
  offset: number;
  /** Base64 of up to 32 bytes before `offset`; tells a truncated or replaced file from the same one. */
  tail: string;
}

export interface Checkpoint {
  version: 1;
  /** Highest seq the server acknowledged. */
  ackedSeq: number;
  /** Highest seq ever given to a batch; new batches get higher ones. */
  lastSeq: number;
  /** Events lost by the drop-oldest spool policy, over the collector's life. */
  dropped: number;
  /** By configured path. */
  files: Record<string, FilePosition>;
}

export const CHECKPOINT_FILE = "checkpoint.json";

export function emptyCheckpoint(): Checkpoint {
  return { version: 1, ackedSeq: 0, lastSeq: 0, dropped: 0, files: {} };
}

/** Reads the checkpoint of `dir`, or an empty one if there is none yet. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const path = `${dir}/${CHECKPOINT_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return emptyCheckpoint();
    throw e;
  }
  let cp: Partial<Checkpoint>;
  try {
    cp = JSON.parse(text);
  } catch (e) {
    throw new Error(`Cannot read checkpoint "${path}": ${(e as Error).message}`);
  }
  if (cp.version !== 1 || typeof cp.ackedSeq !== "number" || typeof cp.files !== "object") {
    throw new Error(`Cannot read checkpoint "${path}": not a version 1 checkpoint`);
  }
  return { ...emptyCheckpoint(), ...cp } as Checkpoint;
}

/** Writes `cp` so that a crash leaves either the old or the new checkpoint, never a mix. */
export async function saveCheckpoint(dir: string, cp: Checkpoint): Promise<void> {
  const path = `${dir}/${CHECKPOINT_FILE}`;
  await writeFileAtomic(path, JSON.stringify(cp));
  await syncDir(dir);
}

/** Temp file, fsync, rename. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(data);
    let n = 0;
    while (n < bytes.length) n += await f.write(bytes.subarray(n));
    await f.sync();
  } finally {
    f.close();
  }
  await Deno.rename(tmp, path);
}

/** fsync a directory so a rename or unlink in it is durable (best effort off Linux). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // Not every platform lets a directory be opened or synced; the rename is still atomic.
  }
}
