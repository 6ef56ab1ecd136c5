/** ADWIN adaptive windowing drift detector with River `drift.ADWIN` semantics. */
import { checkInteger, checkPositive } from "./_check.ts";

/** Options of {@linkcode Adwin}; defaults are River's. */
export interface AdwinOptions {
  /** Significance of the cut test (default 0.002). */
  delta?: number;
  /** Check for cuts every `clock` updates (default 32; 1 for exact timing). */
  clock?: number;
  /** Buckets of one size kept before two merge (M, default 5). */
  maxBuckets?: number;
  /** Minimum values on each side of a cut (default 5). */
  minWindowLength?: number;
  /** No cut checks until the window holds more than this many values (default 10). */
  gracePeriod?: number;
  /** Scan every bucket entry (River ≥ 0.22, default) or skip each row's newest (River ≤ 0.21). */
  scanLastEntry?: boolean;
  /** Discard the window on the update after a drift (River ≥ 0.12, default). */
  resetOnDrift?: boolean;
}

/** Plain-JSON state of an {@linkcode Adwin}. */
export interface AdwinState {
  options: Required<AdwinOptions>;
  rows: { totals: number[]; variances: number[] }[];
  width: number;
  total: number;
  variance: number;
  tick: number;
  nDetections: number;
  driftDetected: boolean;
}

interface Row {
  totals: number[];
  variances: number[];
}

/**
 * ADWIN (Bifet & Gavaldà 2007) over an exponential histogram of buckets, in
 * River's exact arithmetic: a drift is reported when two sub-windows' means
 * differ by more than
 * `ε = sqrt(2·m·(M2/n)·dd) + (2/3)·dd·m`, `dd = ln(2·ln(n)/δ)`,
 * `m = 1/(n0 − mwl + 1) + 1/(n1 − mwl + 1)`; the oldest bucket is then
 * dropped and the scan repeats. Feed it bounded values (rates, 0/1 errors).
 *
 * @example
 * ```ts
 * const adwin = new Adwin({ clock: 1 });
 * if (adwin.update(failureRatio)) alert(`mean moved to ${adwin.estimation}`);
 * ```
 */
export class Adwin {
  /** Resolved options. */
  readonly options: Readonly<Required<AdwinOptions>>;
  #rows: Row[] = [{ totals: [], variances: [] }];
  #width = 0;
  #total = 0;
  #variance = 0;
  #tick = 0;
  #nDetections = 0;
  #driftDetected = false;

  /** Create a detector with River's defaults unless overridden. */
  constructor(options: AdwinOptions = {}) {
    const o = {
      delta: options.delta ?? 0.002,
      clock: options.clock ?? 32,
      maxBuckets: options.maxBuckets ?? 5,
      minWindowLength: options.minWindowLength ?? 5,
      gracePeriod: options.gracePeriod ?? 10,
      scanLastEntry: options.scanLastEntry ?? true,
      resetOnDrift: options.resetOnDrift ?? true,
    };
    if (!(o.delta > 0 && o.delta < 1)) {
      throw new RangeError(`Cannot create Adwin: delta is ${o.delta}, must be in (0, 1)`);
    }
    checkInteger("Adwin", "clock", o.clock, 1);
    checkInteger("Adwin", "maxBuckets", o.maxBuckets, 1);
    checkPositive("Adwin", "minWindowLength", o.minWindowLength);
    checkInteger("Adwin", "gracePeriod", o.gracePeriod, 0);
    this.options = Object.freeze(o);
  }

  /** Values in the window. */
  get width(): number {
    return this.#width;
  }

  /** Sum of the values in the window. */
  get total(): number {
    return this.#total;
  }

  /** Sum of squared deviations in the window (M2, River's `variance`). */
  get variance(): number {
    return this.#variance;
  }

  /** Mean of the window (0 when empty). */
  get estimation(): number {
    return this.#width === 0 ? 0 : this.#total / this.#width;
  }

  /** Updates that detected drift since the last reset (River resets it with the window). */
  get nDetections(): number {
    return this.#nDetections;
  }

  /** Whether the last update detected drift. */
  get driftDetected(): boolean {
    return this.#driftDetected;
  }

  /** Entries per bucket row, row 0 (newest, size 1) first. */
  rowSizes(): number[] {
    return this.#rows.map((r) => r.totals.length);
  }

  #reset(): void {
    this.#rows = [{ totals: [], variances: [] }];
    this.#width = 0;
    this.#total = 0;
    this.#variance = 0;
    this.#tick = 0;
    this.#nDetections = 0;
  }

  /** Add one value; returns whether drift was detected. */
  update(x: number): boolean {
    if (this.#driftDetected && this.options.resetOnDrift) this.#reset();
    this.#insert(x);
    this.#tick += 1;
    let drift = false;
    if (this.#tick % this.options.clock === 0 && this.#width > this.options.gracePeriod) {
      drift = this.#scan();
    }
    if (drift) this.#nDetections += 1;
    this.#driftDetected = drift;
    return drift;
  }

  #insert(x: number): void {
    this.#rows[0].totals.push(x);
    this.#rows[0].variances.push(0);
    this.#width += 1;
    let incremental = 0;
    if (this.#width > 1) {
      const d = x - this.#total / (this.#width - 1);
      incremental = (this.#width - 1) * d * d / this.#width;
    }
    this.#variance += incremental;
    this.#total += x;
    this.#compress();
  }

  #compress(): void {
    const limit = this.options.maxBuckets + 1;
    for (let i = 0; i < this.#rows.length; i++) {
      const row = this.#rows[i];
      if (row.totals.length !== limit) break;
      if (i + 1 === this.#rows.length) this.#rows.push({ totals: [], variances: [] });
      const next = this.#rows[i + 1];
      const size = 2 ** i;
      const mu1 = row.totals[0] / size;
      const mu2 = row.totals[1] / size;
      const merged = size * size * (mu1 - mu2) * (mu1 - mu2) / (size + size);
      next.totals.push(row.totals[0] + row.totals[1]);
      next.variances.push(row.variances[0] + row.variances[1] + merged);
      row.totals.splice(0, 2);
      row.variances.splice(0, 2);
      if (next.totals.length <= this.options.maxBuckets) break;
    }
  }

  /** Cut scan from the oldest bucket to the newest; drop the oldest bucket per cut and rescan. */
  #scan(): boolean {
    const { minWindowLength: mwl, scanLastEntry } = this.options;
    let drift = false;
    let again = true;
    while (again) {
      again = false;
      let n0 = 0;
      let n1 = this.#width;
      let u0 = 0;
      let u1 = this.#total;
      scan: for (let i = this.#rows.length - 1; i >= 0; i--) {
        const totals = this.#rows[i].totals;
        const size = 2 ** i;
        const end = scanLastEntry ? totals.length : totals.length - 1;
        for (let k = 0; k < end; k++) {
          n0 += size;
          n1 -= size;
          u0 += totals[k];
          u1 -= totals[k];
          if (i === 0 && k === totals.length - 1) break scan;
          if (n1 >= mwl && n0 >= mwl && this.#cut(n0, n1, u0, u1)) {
            drift = true;
            if (this.#width > 0) {
              this.#deleteOldest();
              again = true;
            }
            break scan;
          }
        }
      }
    }
    return drift;
  }

  #cut(n0: number, n1: number, u0: number, u1: number): boolean {
    const { delta, minWindowLength: mwl } = this.options;
    const dd = Math.log(2 * Math.log(this.#width) / delta);
    const mRecip = 1 / (n0 - mwl + 1) + 1 / (n1 - mwl + 1);
    const epsilon = Math.sqrt(2 * mRecip * (this.#variance / this.#width) * dd) + 2 / 3 * dd * mRecip;
    return Math.abs(u0 / n0 - u1 / n1) > epsilon;
  }

  #deleteOldest(): void {
    const last = this.#rows.length - 1;
    const row = this.#rows[last];
    const n = 2 ** last;
    const u = row.totals[0];
    const mu = u / n;
    const v = row.variances[0];
    this.#width -= n;
    this.#total -= u;
    const muWindow = this.#total / this.#width;
    this.#variance -= v + n * this.#width * (mu - muWindow) * (mu - muWindow) / (n + this.#width);
    row.totals.shift();
    row.variances.shift();
    if (row.totals.length === 0 && last > 0) this.#rows.pop();
  }

  /** Plain-JSON snapshot. */
  toJSON(): AdwinState {
    return {
      options: { ...this.options },
      rows: this.#rows.map((r) => ({ totals: [...r.totals], variances: [...r.variances] })),
      width: this.#width,
      total: this.#total,
      variance: this.#variance,
      tick: this.#tick,
      nDetections: this.#nDetections,
      driftDetected: this.#driftDetected,
    };
  }

  /** Restore from {@linkcode Adwin.toJSON}. */
  static fromJSON(state: AdwinState): Adwin {
    const a = new Adwin(state.options);
    a.#rows = state.rows.map((r) => ({ totals: [...r.totals], variances: [...r.variances] }));
    a.#width = state.width;
    a.#total = state.total;
    a.#variance = state.variance;
    a.#tick = state.tick;
    a.#nDetections = state.nDetections;
    a.#driftDetected = state.driftDetected;
    return a;
  }
}
