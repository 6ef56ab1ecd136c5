/**
 * Online anomaly and drift models with River's semantics. Every model is
 * deterministic and snapshots to plain JSON (`toJSON()` / `static fromJSON()`).
 *
 * @module
 */
export type { AnomalyDetector, InputOf, SnapshotDetector, StateOf, Verdict } from "./anomaly_detector.ts";
export { type Rng, uniform, weightedIndex } from "./rng.ts";
export { PythonRandom, type PythonRandomState } from "./python_random.ts";
export { Welford, type WelfordState } from "./welford.ts";
export { EwMean, type EwMeanState } from "./ew_mean.ts";
export { EwVar, type EwVarState } from "./ew_var.ts";
export type { Features } from "./features.ts";
export { StandardScaler, type StandardScalerState } from "./standard_scaler.ts";
export { AdaptiveStandardScaler, type AdaptiveStandardScalerState } from "./adaptive_standard_scaler.ts";
export { MinMaxScaler, type MinMaxScalerState } from "./min_max_scaler.ts";
export { Quantile, type QuantileState } from "./quantile.ts";
export { EwmaZScore, type EwmaZScoreOptions, type EwmaZScoreState } from "./ewma_z_score.ts";
export { MadZScore, type MadZScoreOptions, type MadZScoreState } from "./mad_z_score.ts";
export {
  type ExportedTree,
  HalfSpaceTrees,
  type HalfSpaceTreesOptions,
  type HalfSpaceTreesState,
  type HalfSpaceTreeState,
} from "./half_space_trees.ts";
export { QuantileFilter, type QuantileFilterOptions, type QuantileFilterState } from "./quantile_filter.ts";
export { ThresholdFilter, type ThresholdFilterState } from "./threshold_filter.ts";
export { Adwin, type AdwinOptions, type AdwinState } from "./adwin.ts";
export {
  PageHinkley,
  type PageHinkleyMode,
  type PageHinkleyOptions,
  type PageHinkleyState,
} from "./page_hinkley.ts";
export { Ddm, type DdmOptions, type DdmState } from "./ddm.ts";
export { Ccipca, type CcipcaOptions, type CcipcaState } from "./ccipca.ts";
