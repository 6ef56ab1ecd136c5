/**
 * Loads the shared reference vectors (`/work/shared/data/reference/`), located
 * relative to this file, and registers parity tests that are skipped with a
 * visible name when the folder is absent.
 */

const REFERENCE_DIR = new URL("../../../../shared/data/reference/", import.meta.url);
const cache = new Map<string, unknown>();

/** Parsed reference file, or null when the reference folder is absent. */
export function loadReference<T>(file: string): T | null {
  if (!cache.has(file)) {
    try {
      cache.set(file, JSON.parse(Deno.readTextFileSync(new URL(file, REFERENCE_DIR))));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      cache.set(file, null);
    }
  }
  return cache.get(file) as T | null;
}

/** Register a test over `file`'s data, or an ignored placeholder when the file is absent. */
export function referenceTest<T>(name: string, file: string, fn: (data: T) => void): void {
  const data = loadReference<T>(file);
  if (data === null) {
    Deno.test({ name: `${name} (skipped: ../shared/data/reference not found)`, ignore: true, fn() {} });
  } else {
    Deno.test(name, () => fn(data));
  }
}

/** Serialise through JSON text and revive: what a Deno KV checkpoint does. */
export function jsonRoundTrip<S, T>(model: { toJSON(): S }, revive: (state: S) => T): T {
  return revive(JSON.parse(JSON.stringify(model)) as S);
}

/** Mann-Whitney ROC-AUC with mid-ranks for ties; `labels` are 0/1. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((s, i) => [s, labels[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSumPositive = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j][0] === order[i][0]) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k][1]) {
        rankSumPositive += midRank;
        positives += 1;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  return (rankSumPositive - positives * (positives + 1) / 2) / (positives * negatives);
}
