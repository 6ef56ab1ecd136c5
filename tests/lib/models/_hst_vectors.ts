/** Shape of `hst_vectors.json` (only the parts the tests read). */
import type { ExportedTree } from "../../../lib/models/half_space_trees.ts";

/** The parsed HST reference file. */
export interface HstVectors {
  river_expectations: { check: string; expected: number[] }[];
  docstring_example: {
    params: { n_trees: number; height: number; window_size: number; seed: number };
    warmup: number[];
    stream: number[];
    scores_exact: number[];
    trees: ExportedTree[];
  };
  synthetic_2d: {
    X: [number, number][];
    y: number[];
    seed42: { trees: ExportedTree[]; scores_exact: number[]; auc_t_ge_250: number };
    auc_over_seeds_0_19: { values: number[]; min: number; max: number };
    "quantile_filter_q0.95_seed42": { tp: number; fp: number; fn: number; flags_true_indices: number[] };
    missing_feature_scores_after_stream_seed42: { inputs: Record<string, number>[]; scores: number[] };
  };
}
