/** Half-Space Trees anomaly detector with River `anomaly.HalfSpaceTrees` semantics. */
import { checkInteger } from "./_check.ts";
import {
  byCodeUnit,
  type ExportedTree,
  exportTree,
  growTree,
  importTree,
  type Tree,
  treeFromJSON,
  treeSize,
  type TreeState,
  treeToJSON,
} from "./_hst_tree.ts";
import { PythonRandom, type PythonRandomState } from "./python_random.ts";
import type { Rng } from "./rng.ts";
import type { Features } from "./features.ts";

export type { ExportedTree, TreeState as HalfSpaceTreeState };

/** Options of {@linkcode HalfSpaceTrees}; defaults are River's. */
export interface HalfSpaceTreesOptions {
  /** Number of trees (default 10). */
  nTrees?: number;
  /** Tree height: a tree has `height + 1` levels (default 8). */
  height?: number;
  /** Points per reference window (default 250). */
  windowSize?: number;
  /** Per-feature `[lo, hi]` ranges; features not listed use [0, 1]. */
  limits?: Record<string, readonly [number, number]>;
  /** Seed of the CPython-compatible generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Inject another random source (then a snapshot is only possible once trees exist). */
  rng?: Rng;
}

/** Plain-JSON state of {@linkcode HalfSpaceTrees}. */
export interface HalfSpaceTreesState {
  nTrees: number;
  height: number;
  windowSize: number;
  limits: Record<string, [number, number]>;
  counter: number;
  firstWindow: boolean;
  features: string[] | null;
  trees: TreeState[] | null;
  rng: PythonRandomState | null;
}

/**
 * Ensemble of random half-space trees (Tan, Ting & Liu 2011) as River runs it:
 * trees are built on the first `learnOne` over the sorted feature names of
 * that observation; `scoreOne` returns 0 during the first window, then
 * `1 − Σ r·2^depth / maxScore` in [0, 1], high = anomalous. Score, then learn.
 *
 * @example
 * ```ts
 * const hst = new HalfSpaceTrees({ seed: 42 });
 * const score = hst.scoreOne({ x: 0.3, y: 0.7 }); // inputs scaled to the limits
 * hst.learnOne({ x: 0.3, y: 0.7 });
 * ```
 */
export class HalfSpaceTrees {
  /** Number of trees. */
  readonly nTrees: number;
  /** Tree height (levels − 1). */
  readonly height: number;
  /** Points per reference window. */
  readonly windowSize: number;
  /** `0.1 · windowSize`: a node with less reference mass ends a walk. */
  readonly sizeLimit: number;
  /** `nTrees · windowSize · (2^(height+1) − 1)`. */
  readonly maxScore: number;
  readonly #limits: Record<string, [number, number]>;
  #rng: Rng | null;
  #features: string[] | null = null;
  #trees: Tree[] | null = null;
  #counter = 0;
  #firstWindow = true;

  /** Create an ensemble; trees are drawn lazily on the first `learnOne`. */
  constructor(options: HalfSpaceTreesOptions = {}) {
    this.nTrees = options.nTrees ?? 10;
    this.height = options.height ?? 8;
    this.windowSize = options.windowSize ?? 250;
    checkInteger("HalfSpaceTrees", "nTrees", this.nTrees, 1);
    checkInteger("HalfSpaceTrees", "height", this.height, 0);
    checkInteger("HalfSpaceTrees", "windowSize", this.windowSize, 1);
    if (this.height > 24) {
      throw new RangeError(`Cannot create HalfSpaceTrees: height is ${this.height}, must be <= 24`);
    }
    this.sizeLimit = 0.1 * this.windowSize;
    this.maxScore = this.nTrees * this.windowSize * treeSize(this.height);
    this.#limits = {};
    for (const [name, [lo, hi]] of Object.entries(options.limits ?? {})) {
      if (!(lo < hi)) {
        throw new RangeError(
          `Cannot create HalfSpaceTrees: limits of "${name}" are [${lo}, ${hi}], need lo < hi`,
        );
      }
      this.#limits[name] = [lo, hi];
    }
    this.#rng = options.rng ?? new PythonRandom(options.seed ?? 0);
  }

  /**
   * An ensemble over fixed trees in the stored-vector format (e.g. River's
   * seed-42 trees); `nTrees` and `height` come from the trees.
   */
  static fromTrees(trees: readonly ExportedTree[], options: { windowSize?: number } = {}): HalfSpaceTrees {
    const size = trees[0]?.length ?? 0;
    const height = Math.log2(size + 1) - 1;
    if (!Number.isInteger(height) || height < 0) {
      throw new RangeError(`Cannot load trees: first tree has ${size} nodes, must be 2^(height+1) - 1`);
    }
    const names = new Set<string>();
    for (const tree of trees) for (const node of tree) if (node) names.add(node[0]);
    const features = [...names].sort(byCodeUnit);
    const hst = new HalfSpaceTrees({ nTrees: trees.length, height, windowSize: options.windowSize });
    hst.#features = features;
    hst.#trees = trees.map((tree, t) => importTree(tree, height, features, `tree ${t}`));
    hst.#rng = null;
    return hst;
  }

  /** True once the trees exist (after the first `learnOne`, or loaded). */
  get built(): boolean {
    return this.#trees !== null;
  }

  /** True until `windowSize` points have been learnt; scores are 0 meanwhile. */
  get firstWindow(): boolean {
    return this.#firstWindow;
  }

  #build(x: Features): void {
    const rng = this.#rng;
    if (!rng) throw new Error("Cannot build HalfSpaceTrees: no random source");
    const features = Object.keys(x).sort(byCodeUnit);
    if (features.length === 0 && this.height > 0) {
      throw new RangeError("Cannot build HalfSpaceTrees: the first observation has no features");
    }
    const limits = features.map((f): [number, number] => {
      const l = this.#limits[f];
      return l ? [l[0], l[1]] : [0, 1];
    });
    this.#trees = Array.from({ length: this.nTrees }, () => growTree(rng, limits, this.height));
    this.#features = features;
    this.#rng = null;
  }

  /**
   * `x` as arrays in the trees' feature order: a walk then indexes instead of looking names
   * up at every node (same result; `has` marks the features `x` gives).
   */
  #dense(x: Features): { v: Float64Array; has: Uint8Array } {
    const names = this.#features!;
    const v = new Float64Array(names.length);
    const has = new Uint8Array(names.length);
    for (let f = 0; f < names.length; f++) {
      const name = names[f];
      if (Object.hasOwn(x, name) && x[name] !== undefined) {
        v[f] = x[name];
        has[f] = 1;
      }
    }
    return { v, has };
  }

  /** Child of branch `i` at `depth` that the dense `x` goes to. */
  #child(tree: Tree, i: number, depth: number, v: Float64Array, has: Uint8Array): number {
    const left = i + 1;
    const right = i + 2 ** (this.height - depth);
    const f = tree.feature[i];
    if (has[f] === 1) return v[f] < tree.threshold[i] ? left : right;
    // Missing feature: follow the busier child of the latest window, ties left.
    return tree.lMass[left] < tree.lMass[right] ? right : left;
  }

  /** Anomaly score in [0, 1] (high = anomalous); does not learn. */
  scoreOne(x: Features): number {
    if (this.#firstWindow || !this.#trees) return 0;
    const { v, has } = this.#dense(x);
    let score = 0;
    for (const tree of this.#trees) {
      let i = 0;
      for (let depth = 0;; depth++) {
        const r = tree.rMass[i];
        score += r * 2 ** depth;
        if (r < this.sizeLimit || depth === this.height) break;
        i = this.#child(tree, i, depth, v, has);
      }
    }
    return 1 - score / this.maxScore;
  }

  /** Learn one observation (builds the trees on the first call). */
  learnOne(x: Features): void {
    if (!this.#trees) this.#build(x);
    const { v, has } = this.#dense(x);
    for (const tree of this.#trees!) {
      let i = 0;
      for (let depth = 0;; depth++) {
        tree.lMass[i] += 1;
        if (depth === this.height) break;
        i = this.#child(tree, i, depth, v, has);
      }
    }
    this.#counter += 1;
    if (this.#counter === this.windowSize) {
      for (const tree of this.#trees!) {
        tree.rMass.set(tree.lMass);
        tree.lMass.fill(0);
      }
      this.#firstWindow = false;
      this.#counter = 0;
    }
  }

  /** The trees in the stored-vector format (empty before they are built). */
  exportTrees(): ExportedTree[] {
    const features = this.#features;
    return (this.#trees ?? []).map((tree) => exportTree(tree, features!));
  }

  /** Plain-JSON snapshot; before the trees exist only a seeded (CPython) generator can be saved. */
  toJSON(): HalfSpaceTreesState {
    let rng: PythonRandomState | null = null;
    if (!this.#trees) {
      if (!(this.#rng instanceof PythonRandom)) {
        throw new Error(
          "Cannot snapshot HalfSpaceTrees: trees are not built and the injected rng has no state",
        );
      }
      rng = this.#rng.toJSON();
    }
    return {
      nTrees: this.nTrees,
      height: this.height,
      windowSize: this.windowSize,
      limits: Object.fromEntries(Object.entries(this.#limits).map(([k, v]) => [k, [v[0], v[1]]])),
      counter: this.#counter,
      firstWindow: this.#firstWindow,
      features: this.#features ? [...this.#features] : null,
      trees: this.#trees?.map(treeToJSON) ?? null,
      rng,
    };
  }

  /** Restore from {@linkcode HalfSpaceTrees.toJSON}. */
  static fromJSON(state: HalfSpaceTreesState): HalfSpaceTrees {
    const hst = new HalfSpaceTrees({
      nTrees: state.nTrees,
      height: state.height,
      windowSize: state.windowSize,
      limits: state.limits,
    });
    hst.#counter = state.counter;
    hst.#firstWindow = state.firstWindow;
    hst.#features = state.features ? [...state.features] : null;
    hst.#trees = state.trees?.map(treeFromJSON) ?? null;
    hst.#rng = state.rng ? PythonRandom.fromJSON(state.rng) : null;
    if (!hst.#trees && !hst.#rng) {
      throw new Error("Cannot restore HalfSpaceTrees: state has neither trees nor rng");
    }
    return hst;
  }
}
