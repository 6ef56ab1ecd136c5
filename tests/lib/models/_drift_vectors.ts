/** Shape of `drift_vectors.json` (only the parts the tests read). */

/** The parsed Page-Hinkley / DDM reference file. */
export interface DriftVectors {
  river_expectations: { check: string; expected: unknown }[];
  river_test_streams: Record<string, number[]>;
  synthetic: {
    "ddm_bernoulli_0.1_0.4_0.1": { values: number[]; drift_indices: number[]; warning_indices: number[] };
    ph_gaussian_0_2_0: { values: number[]; drift_indices_by_mode: Record<"up" | "down" | "both", number[]> };
  };
}

/** River's documented output for the check whose name starts with `prefix`. */
export function expectedFor(data: DriftVectors, prefix: string): unknown {
  const found = data.river_expectations.find((e) => e.check.startsWith(prefix));
  if (!found) throw new Error(`No river_expectations entry starts with "${prefix}"`);
  return found.expected;
}
