/** P² running quantile (Jain & Chlamtac 1985), River `stats.Quantile`. */
import { checkFraction } from "./_check.ts";

/** Plain-JSON state of a {@linkcode Quantile}. */
export interface QuantileState {
  q: number;
  heights: number[];
  positions: number[];
  desired: number[];
  sorted: boolean;
}

/**
 * Streaming estimate of the `q`-quantile in O(1) memory with five markers.
 * Until five values are seen it answers from the sorted values; 0 when empty.
 */
export class Quantile {
  /** Quantile level in (0, 1). */
  readonly q: number;
  #increments: number[];
  #heights: number[] = [];
  #positions = [1, 2, 3, 4, 5];
  #desired: number[];
  #sorted = false;

  /** `q` in (0, 1); River's default is the median. */
  constructor(q = 0.5) {
    checkFraction("Quantile", "q", q);
    this.q = q;
    this.#desired = [1, 1 + 2 * q, 1 + 4 * q, 3 + 2 * q, 5];
    this.#increments = [0, q / 2, q, (1 + q) / 2, 1];
  }

  /** Add one value. */
  update(x: number): void {
    const h = this.#heights;
    if (h.length !== 5) {
      h.push(x);
      return;
    }
    if (!this.#sorted) {
      h.sort((a, b) => a - b);
      this.#sorted = true;
    }
    const k = this.#findCell(x);
    const n = this.#positions;
    for (let j = k; j < 5; j++) n[j] += 1;
    for (let j = 0; j < 5; j++) this.#desired[j] += this.#increments[j];
    this.#adjust();
  }

  #findCell(x: number): number {
    const h = this.#heights;
    if (x < h[0]) {
      h[0] = x;
      return 1;
    }
    for (let i = 1; i < 5; i++) {
      if (h[i - 1] <= x && x < h[i]) return i;
    }
    if (h[4] < x) h[4] = x;
    return 4;
  }

  #adjust(): void {
    const h = this.#heights;
    const n = this.#positions;
    for (let i = 1; i < 4; i++) {
      const ni = n[i];
      const qi = h[i];
      let d = this.#desired[i] - ni;
      if ((d >= 1 && n[i + 1] - ni > 1) || (d <= -1 && n[i - 1] - ni < -1)) {
        d = d > 0 ? 1 : -1;
        const qp1 = h[i + 1];
        const qm1 = h[i - 1];
        const np1 = n[i + 1];
        const nm1 = n[i - 1];
        // Parabolic (P²) prediction, in River's evaluation order.
        const outer = d / (np1 - nm1);
        const innerLeft = (ni - nm1 + d) * (qp1 - qi) / (np1 - ni);
        const innerRight = (np1 - ni - d) * (qi - qm1) / (ni - nm1);
        const qn = qi + outer * (innerLeft + innerRight);
        if (qm1 < qn && qn < qp1) h[i] = qn;
        else h[i] = qi + d * (h[i + d] - qi) / (n[i + d] - ni);
        n[i] = ni + d;
      }
    }
  }

  /** Current estimate. */
  get(): number {
    const h = this.#heights;
    if (this.#sorted) return h[2];
    if (h.length === 0) return 0;
    const s = [...h].sort((a, b) => a - b);
    return s[Math.trunc(Math.min(Math.max(s.length - 1, 0), s.length * this.q))];
  }

  /** Plain-JSON snapshot. */
  toJSON(): QuantileState {
    return {
      q: this.q,
      heights: [...this.#heights],
      positions: [...this.#positions],
      desired: [...this.#desired],
      sorted: this.#sorted,
    };
  }

  /** Restore from {@linkcode Quantile.toJSON}. */
  static fromJSON(state: QuantileState): Quantile {
    const r = new Quantile(state.q);
    r.#heights = [...state.heights];
    r.#positions = [...state.positions];
    r.#desired = [...state.desired];
    r.#sorted = state.sorted;
    return r;
  }
}
