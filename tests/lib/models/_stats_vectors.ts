/** Shape of `stats_vectors.json` (only the parts the tests read). */

type Expectation = { check: string; expected: unknown; got: unknown; reproduced: boolean };

/** The parsed stats reference file. */
export interface StatsVectors {
  river_expectations: Expectation[];
  standard_scaler_doc: { inputs: Record<string, number>[]; outputs_exact: Record<string, number>[] };
  adaptive_standard_scaler_doc: { inputs: number[]; outputs_exact: number[] };
  ew_doc: { inputs: number[]; "ewmean_0.5": number[]; "ewvar_0.5": number[] };
  p2_quantile: {
    first_five_value_inputs: number[];
    outputs: Record<string, number[]>;
    gauss_2000: {
      values: number[];
      trajectories: Record<string, { every_100th: number[]; final: number }>;
    };
  };
  minmax_doc: { inputs: number[]; outputs_exact: number[] };
  zscore_spike: {
    values: number[];
    "adaptive_standard_scaler_fading0.3_learn_then_transform": number[];
    standard_scaler_score_then_learn: number[];
  };
}

/** River's documented outputs, by check name prefix. */
export function riverExpected(data: StatsVectors, prefix: string): unknown {
  const found = data.river_expectations.find((e) => e.check.startsWith(prefix));
  if (!found) throw new Error(`No river_expectations entry starts with "${prefix}"`);
  return found.expected;
}

/** Assert |a − b| < tol element-wise (River's doctests compare printed decimals only). */
export function assertClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  if (actual.length !== expected.length) {
    throw new Error(`Length ${actual.length} differs from expected ${expected.length}`);
  }
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) < tol)) {
      throw new Error(`Index ${i}: ${a} is not within ${tol} of ${expected[i]}`);
    }
  });
}
