import assert from "node:assert/strict";
import { HalfSpaceTrees } from "../../../lib/models/half_space_trees.ts";
import type { Rng } from "../../../lib/models/rng.ts";
import { jsonRoundTrip, referenceTest, rocAuc } from "./_reference.ts";
import type { HstVectors } from "./_hst_vectors.ts";

const FILE = "hst_vectors.json";

/** River's docstring protocol: warm up, then learn-then-score each value. */
function docstringScores(hst: HalfSpaceTrees, data: HstVectors["docstring_example"]): number[] {
  for (const x of data.warmup) hst.learnOne({ x });
  return data.stream.map((x) => (hst.learnOne({ x }), hst.scoreOne({ x })));
}

/** Prequential protocol of the synthetic stream: score, then learn. */
function prequential(hst: HalfSpaceTrees, X: readonly [number, number][]): number[] {
  return X.map(([x, y]) => {
    const s = hst.scoreOne({ x, y });
    hst.learnOne({ x, y });
    return s;
  });
}

function aucAfterFirstWindow(scores: number[], labels: number[]): number {
  return rocAuc(scores.slice(250), labels.slice(250));
}

referenceTest<HstVectors>(
  "HalfSpaceTrees - River docstring scores are exact with the stored trees",
  FILE,
  (data) => {
    const ex = data.docstring_example;
    const got = docstringScores(
      HalfSpaceTrees.fromTrees(ex.trees, { windowSize: ex.params.window_size }),
      ex,
    );
    assert.deepEqual(got, ex.scores_exact);
    assert.deepEqual(got.map((s) => Number(s.toFixed(3))), data.river_expectations[0].expected);
  },
);

referenceTest<HstVectors>(
  "HalfSpaceTrees - seed 42 rebuilds River's docstring trees and scores",
  FILE,
  (data) => {
    const ex = data.docstring_example;
    const hst = new HalfSpaceTrees({
      nTrees: ex.params.n_trees,
      height: ex.params.height,
      windowSize: ex.params.window_size,
      seed: ex.params.seed,
    });
    assert.deepEqual(docstringScores(hst, ex), ex.scores_exact);
    assert.deepEqual(hst.exportTrees(), ex.trees);
  },
);

referenceTest<HstVectors>(
  "HalfSpaceTrees - synthetic stream scores_exact equal with the stored trees",
  FILE,
  (data) => {
    const syn = data.synthetic_2d;
    const hst = HalfSpaceTrees.fromTrees(syn.seed42.trees);
    assert.deepEqual(prequential(hst, syn.X), syn.seed42.scores_exact);
    const missing = syn.missing_feature_scores_after_stream_seed42;
    assert.deepEqual(missing.inputs.map((x) => hst.scoreOne(x)), missing.scores);
  },
);

referenceTest<HstVectors>(
  "HalfSpaceTrees - own CPython RNG: seed 42 trees, scores and AUC equal; seeds 0-3 AUC equal",
  FILE,
  (data) => {
    const syn = data.synthetic_2d;
    const hst = new HalfSpaceTrees({ seed: 42 });
    const scores = prequential(hst, syn.X);
    assert.deepEqual(hst.exportTrees(), syn.seed42.trees);
    assert.deepEqual(scores, syn.seed42.scores_exact);
    assert.ok(Math.abs(aucAfterFirstWindow(scores, syn.y) - syn.seed42.auc_t_ge_250) < 1e-12);
    for (let seed = 0; seed < 4; seed++) {
      const auc = aucAfterFirstWindow(prequential(new HalfSpaceTrees({ seed }), syn.X), syn.y);
      assert.ok(Math.abs(auc - syn.auc_over_seeds_0_19.values[seed]) < 1e-12, `seed ${seed}: ${auc}`);
    }
  },
);

/** A non-CPython generator (mulberry32) to show injection works. */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return {
    random() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

referenceTest<HstVectors>(
  "HalfSpaceTrees - an injected RNG lands inside the seed AUC range",
  FILE,
  (data) => {
    const syn = data.synthetic_2d;
    const { min, max } = syn.auc_over_seeds_0_19;
    for (const seed of [1, 2024]) {
      const auc = aucAfterFirstWindow(
        prequential(new HalfSpaceTrees({ rng: mulberry32(seed) }), syn.X),
        syn.y,
      );
      assert.ok(auc >= min - 0.02 && auc <= max + 0.02, `mulberry32(${seed}) AUC ${auc}`);
    }
  },
);

Deno.test("HalfSpaceTrees - scores 0 during the first window, then values in [0, 1]", () => {
  const hst = new HalfSpaceTrees({ nTrees: 3, height: 4, windowSize: 10, seed: 1 });
  for (let i = 0; i < 10; i++) {
    assert.equal(hst.scoreOne({ a: 0.5 }), 0);
    assert.equal(hst.firstWindow, true);
    hst.learnOne({ a: 0.5 + (i % 3) / 100 });
  }
  assert.equal(hst.firstWindow, false);
  const normal = hst.scoreOne({ a: 0.51 });
  const odd = hst.scoreOne({ a: 0.02 });
  assert.ok(normal >= 0 && odd <= 1 && odd > normal, `${odd} > ${normal}`);
});

Deno.test("HalfSpaceTrees - limits rescale the split ranges; features are taken sorted", () => {
  const hst = new HalfSpaceTrees({ nTrees: 2, height: 3, windowSize: 5, limits: { b: [100, 200] }, seed: 3 });
  hst.learnOne({ b: 150, a: 0.5 });
  for (const tree of hst.exportTrees()) {
    for (const node of tree) {
      if (node && node[0] === "b") assert.ok(node[1] > 100 && node[1] < 200);
      if (node && node[0] === "a") assert.ok(node[1] > 0 && node[1] < 1);
    }
  }
  assert.throws(() => new HalfSpaceTrees({ limits: { a: [1, 1] } }), /limits of "a" are \[1, 1\]/);
  assert.throws(() => new HalfSpaceTrees().learnOne({}), /first observation has no features/);
});

Deno.test("HalfSpaceTrees - fromTrees rejects malformed trees", () => {
  assert.throws(() => HalfSpaceTrees.fromTrees([[null, null]]), /has 2 nodes/);
  assert.throws(() => HalfSpaceTrees.fromTrees([[null, null, null]]), /node 0 at depth 0 is null/);
  assert.throws(() => HalfSpaceTrees.fromTrees([[["x", 0.5], null, null], [null]]), /tree 1 has 1 nodes/);
});

Deno.test("HalfSpaceTrees - restore then continue equals never stopping (before trees, mid-window, later)", () => {
  const X: [number, number][] = Array.from(
    { length: 400 },
    (_, i) => [((i * 37) % 100) / 100, ((i * 11) % 97) / 97],
  );
  const reference = prequential(new HalfSpaceTrees({ nTrees: 4, height: 5, windowSize: 50, seed: 9 }), X);
  for (const cut of [0, 30, 275]) {
    const a = new HalfSpaceTrees({ nTrees: 4, height: 5, windowSize: 50, seed: 9 });
    const head = prequential(a, X.slice(0, cut));
    const b = jsonRoundTrip(a, HalfSpaceTrees.fromJSON);
    assert.deepEqual([...head, ...prequential(b, X.slice(cut))], reference, `cut at ${cut}`);
  }
});

Deno.test("HalfSpaceTrees - an injected RNG without state cannot be snapshot before the trees exist", () => {
  const hst = new HalfSpaceTrees({ rng: mulberry32(5), nTrees: 2, height: 2, windowSize: 4 });
  assert.throws(() => hst.toJSON(), /trees are not built/);
  hst.learnOne({ a: 0.3 });
  assert.equal(jsonRoundTrip(hst, HalfSpaceTrees.fromJSON).built, true);
});
