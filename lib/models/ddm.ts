/** Drift Detection Method on a 0/1 error stream, River `drift.binary.DDM` semantics. */
import { checkInteger, finiteOrNull } from "./_check.ts";

/** Options of {@linkcode Ddm}; defaults are River's. */
export interface DdmOptions {
  /** Values before any warning or drift (default 30). */
  warmStart?: number;
  /** Standard deviations above the best error rate for a warning (default 2). */
  warningThreshold?: number;
  /** Standard deviations above the best error rate for a drift (default 3). */
  driftThreshold?: number;
}

/** Plain-JSON state of a {@linkcode Ddm}; `null` stands for the initial +∞ minima. */
export interface DdmState {
  options: Required<DdmOptions>;
  n: number;
  p: number;
  pMin: number | null;
  sMin: number | null;
  psMin: number | null;
  warningDetected: boolean;
  driftDetected: boolean;
}

/**
 * DDM (Gama et al. 2004): with error rate `p` and `s = sqrt(p(1 − p)/n)`, keep
 * the minimum of `p + s`; warn when `p + s > p_min + 2·s_min`, drift when
 * `p + s > p_min + 3·s_min` (strict, so an all-ones stream never drifts).
 * The state is reset on the update after a drift.
 */
export class Ddm {
  /** Resolved options. */
  readonly options: Readonly<Required<DdmOptions>>;
  #n = 0;
  #p = 0;
  #pMin = Infinity;
  #sMin = Infinity;
  #psMin = Infinity;
  #warningDetected = false;
  #driftDetected = false;

  /** Create a detector with River's defaults unless overridden. */
  constructor(options: DdmOptions = {}) {
    const o = {
      warmStart: options.warmStart ?? 30,
      warningThreshold: options.warningThreshold ?? 2,
      driftThreshold: options.driftThreshold ?? 3,
    };
    checkInteger("Ddm", "warmStart", o.warmStart, 0);
    this.options = Object.freeze(o);
  }

  /** Whether the last update is in the warning zone. */
  get warningDetected(): boolean {
    return this.#warningDetected;
  }

  /** Whether the last update detected drift. */
  get driftDetected(): boolean {
    return this.#driftDetected;
  }

  /** Error rate since the last reset. */
  get errorRate(): number {
    return this.#p;
  }

  /** Add one outcome (1 = error, 0 = correct); returns whether drift was detected. */
  update(x: number): boolean {
    if (this.#driftDetected) {
      this.#n = 0;
      this.#p = 0;
      this.#pMin = this.#sMin = this.#psMin = Infinity;
      this.#warningDetected = this.#driftDetected = false;
    }
    this.#n += 1;
    this.#p += (1 / this.#n) * (x - this.#p);
    const p = this.#p;
    const s = Math.sqrt(p * (1 - p) / this.#n);
    if (this.#n > this.options.warmStart) {
      if (p + s <= this.#psMin) {
        this.#pMin = p;
        this.#sMin = s;
        this.#psMin = p + s;
      }
      this.#warningDetected = p + s > this.#pMin + this.options.warningThreshold * this.#sMin;
      if (p + s > this.#pMin + this.options.driftThreshold * this.#sMin) {
        this.#driftDetected = true;
        this.#warningDetected = false;
      }
    }
    return this.#driftDetected;
  }

  /** Plain-JSON snapshot. */
  toJSON(): DdmState {
    return {
      options: { ...this.options },
      n: this.#n,
      p: this.#p,
      pMin: finiteOrNull(this.#pMin),
      sMin: finiteOrNull(this.#sMin),
      psMin: finiteOrNull(this.#psMin),
      warningDetected: this.#warningDetected,
      driftDetected: this.#driftDetected,
    };
  }

  /** Restore from {@linkcode Ddm.toJSON}. */
  static fromJSON(state: DdmState): Ddm {
    const d = new Ddm(state.options);
    d.#n = state.n;
    d.#p = state.p;
    d.#pMin = state.pMin ?? Infinity;
    d.#sMin = state.sMin ?? Infinity;
    d.#psMin = state.psMin ?? Infinity;
    d.#warningDetected = state.warningDetected;
    d.#driftDetected = state.driftDetected;
    return d;
  }
}
