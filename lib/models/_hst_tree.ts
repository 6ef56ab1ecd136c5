/**
 * One half-space tree as flat pre-order arrays, private to lib/models. In a
 * complete tree of height h, the left child of node i at depth d is i + 1 and
 * the right child is i + 2^(h − d).
 */
import { type Rng, uniform, weightedIndex } from "./rng.ts";

/** River's split padding: thresholds avoid the outer 15 % of a node's range. */
const PADDING = 0.15;

/** One tree in the stored-vector format: pre-order, `[feature, threshold]` or `null` for a leaf. */
export type ExportedTree = ReadonlyArray<readonly [string, number] | null>;

/** Pre-order node arrays; `feature` −1 marks a leaf. */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  lMass: Float64Array;
  rMass: Float64Array;
}

/** Python's `sorted()` on strings: code-unit order, not locale order. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Node count of a complete tree of `height`. */
export function treeSize(height: number): number {
  return 2 ** (height + 1) - 1;
}

function emptyTree(size: number): Tree {
  return {
    feature: new Int32Array(size).fill(-1),
    threshold: new Float64Array(size),
    lMass: new Float64Array(size),
    rMass: new Float64Array(size),
  };
}

/**
 * River's `make_padded_tree`: pre-order, per branch one range-weighted feature
 * draw then one uniform threshold in the padded range. `limits` is restored.
 */
export function growTree(rng: Rng, limits: [number, number][], height: number): Tree {
  const tree = emptyTree(treeSize(height));
  let next = 0;
  const grow = (remaining: number): void => {
    const i = next++;
    if (remaining === 0) return;
    const on = weightedIndex(rng, limits.map(([lo, hi]) => hi - lo));
    const [a, b] = limits[on];
    const at = uniform(rng, a + PADDING * (b - a), b - PADDING * (b - a));
    tree.feature[i] = on;
    tree.threshold[i] = at;
    limits[on] = [a, at];
    grow(remaining - 1);
    limits[on] = [at, b];
    grow(remaining - 1);
    limits[on] = [a, b];
  };
  grow(height);
  return tree;
}

/** Load a tree in the stored-vector format; `features` maps names to indices. */
export function importTree(
  exported: ExportedTree,
  height: number,
  features: readonly string[],
  label: string,
): Tree {
  const size = treeSize(height);
  if (exported.length !== size) {
    throw new RangeError(`Cannot load trees: ${label} has ${exported.length} nodes, expected ${size}`);
  }
  const tree = emptyTree(size);
  const walk = (i: number, depth: number): number => {
    const node = exported[i];
    if ((node === null) !== (depth === height)) {
      throw new RangeError(
        `Cannot load trees: ${label} node ${i} at depth ${depth} is ${JSON.stringify(node)}, ` +
          `leaves must be exactly the nodes at depth ${height}`,
      );
    }
    if (!node) return i + 1;
    tree.feature[i] = features.indexOf(node[0]);
    tree.threshold[i] = node[1];
    return walk(walk(i + 1, depth + 1), depth + 1);
  };
  walk(0, 0);
  return tree;
}

/** A tree in the stored-vector format. */
export function exportTree(tree: Tree, features: readonly string[]): ExportedTree {
  return Array.from(tree.feature, (f, i) => (f < 0 ? null : [features[f], tree.threshold[i]] as const));
}

/** Plain-JSON form of a tree. */
export interface TreeState {
  feature: number[];
  threshold: number[];
  lMass: number[];
  rMass: number[];
}

/** Plain-JSON copy of a tree. */
export function treeToJSON(t: Tree): TreeState {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    lMass: Array.from(t.lMass),
    rMass: Array.from(t.rMass),
  };
}

/** Tree from {@linkcode treeToJSON}. */
export function treeFromJSON(t: TreeState): Tree {
  return {
    feature: Int32Array.from(t.feature),
    threshold: Float64Array.from(t.threshold),
    lMass: Float64Array.from(t.lMass),
    rMass: Float64Array.from(t.rMass),
  };
}
