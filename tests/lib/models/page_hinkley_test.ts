import assert from "node:assert/strict";
import { PageHinkley, type PageHinkleyMode } from "../../../lib/models/page_hinkley.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { type DriftVectors, expectedFor } from "./_drift_vectors.ts";

const MODES: PageHinkleyMode[] = ["up", "down", "both"];

function driftIndices(ph: PageHinkley, values: readonly number[]): number[] {
  return values.flatMap((x, i) => (ph.update(x) ? [i] : []));
}

referenceTest<DriftVectors>(
  "PageHinkley - River's test_page_hinkley (all modes) and docstring indices equal",
  "drift_vectors.json",
  (data) => {
    const stream = data.river_test_streams.stream3_np_seed12345_normal_gt0;
    for (const mode of MODES) {
      assert.deepEqual(
        driftIndices(new PageHinkley({ mode }), stream),
        expectedFor(data, `PageHinkley(mode='${mode}')`),
      );
    }
    const doc = data.river_test_streams.doc_random_12345;
    assert.deepEqual(
      driftIndices(new PageHinkley(), doc).map((i) => [i, doc[i]]),
      expectedFor(data, "PageHinkley docstring"),
    );
  },
);

referenceTest<DriftVectors>(
  "PageHinkley - synthetic Gaussian 0/2/0 drift indices equal per mode",
  "drift_vectors.json",
  (data) => {
    const s = data.synthetic.ph_gaussian_0_2_0;
    for (const mode of MODES) {
      assert.deepEqual(
        driftIndices(new PageHinkley({ mode }), s.values),
        s.drift_indices_by_mode[mode],
        mode,
      );
    }
  },
);

Deno.test("PageHinkley - up ignores a drop, down ignores a rise; nothing before minInstances", () => {
  const rise = [...Array(100).fill(0), ...Array(100).fill(5)];
  const drop = rise.map((x) => -x);
  assert.ok(driftIndices(new PageHinkley({ mode: "up" }), rise).length > 0);
  assert.deepEqual(driftIndices(new PageHinkley({ mode: "up" }), drop), []);
  assert.deepEqual(driftIndices(new PageHinkley({ mode: "down" }), rise), []);
  assert.deepEqual(driftIndices(new PageHinkley({ minInstances: 300 }), rise), []);
  assert.throws(() => new PageHinkley({ mode: "sideways" as PageHinkleyMode }), /mode is "sideways"/);
});

Deno.test("PageHinkley - restore then continue equals never stopping", () => {
  const values = Array.from({ length: 3000 }, (_, i) => ((i * 13) % 7) / 7 + (i >= 1500 ? 3 : 0));
  const expected = driftIndices(new PageHinkley(), values);
  assert.ok(expected.length > 0);
  for (const cut of [0, 10, expected[0] + 1]) {
    const a = new PageHinkley();
    const head = driftIndices(a, values.slice(0, cut));
    const b = jsonRoundTrip(a, PageHinkley.fromJSON);
    assert.deepEqual([...head, ...driftIndices(b, values.slice(cut)).map((i) => i + cut)], expected);
  }
});
