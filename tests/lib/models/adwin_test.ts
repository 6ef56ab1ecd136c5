import assert from "node:assert/strict";
import { Adwin, type AdwinOptions } from "../../../lib/models/adwin.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";

const FILE = "adwin_vectors.json";

interface Params {
  delta: number;
  clock: number;
  max_buckets: number;
  min_window_length: number;
  grace_period: number;
  scan_last_entry: boolean;
  reset_on_drift: boolean;
}

interface Checkpoint {
  t: number;
  width: number;
  total: number;
  variance: number;
  estimation: number;
  n_detections: number;
  rows: number[];
}

interface AdwinVectors {
  river_expectations: { check: string; expected: unknown }[];
  river_test_streams: Record<string, number[]>;
  synthetic: Record<string, {
    values: number[];
    results: Record<string, {
      params: Params;
      drift_indices: number[];
      width_after_each_update: number[];
      checkpoints?: Checkpoint[];
    }>;
  }>;
}

function options(p: Params): AdwinOptions {
  return {
    delta: p.delta,
    clock: p.clock,
    maxBuckets: p.max_buckets,
    minWindowLength: p.min_window_length,
    gracePeriod: p.grace_period,
    scanLastEntry: p.scan_last_entry,
    resetOnDrift: p.reset_on_drift,
  };
}

function driftIndices(adwin: Adwin, values: readonly number[]): number[] {
  return values.flatMap((x, i) => (adwin.update(x) ? [i] : []));
}

function expected(data: AdwinVectors, prefix: string): unknown {
  const found = data.river_expectations.find((e) => e.check.startsWith(prefix));
  if (!found) throw new Error(`No river_expectations entry starts with "${prefix}"`);
  return found.expected;
}

referenceTest<AdwinVectors>(
  "Adwin - drift indices, width after every update and checkpoints equal for 4 streams x 6 configs",
  FILE,
  (data) => {
    for (const [streamName, stream] of Object.entries(data.synthetic)) {
      for (const [configName, result] of Object.entries(stream.results)) {
        const label = `${streamName} / ${configName}`;
        const adwin = new Adwin(options(result.params));
        const checkpoints = new Map((result.checkpoints ?? []).map((c) => [c.t, c]));
        const drifts: number[] = [];
        const widths: number[] = [];
        stream.values.forEach((x, t) => {
          if (adwin.update(x)) drifts.push(t);
          widths.push(adwin.width);
          const c = checkpoints.get(t);
          if (c) {
            assert.deepEqual(
              {
                t,
                width: adwin.width,
                total: adwin.total,
                variance: adwin.variance,
                estimation: adwin.estimation,
                n_detections: adwin.nDetections,
                rows: adwin.rowSizes(),
              },
              c,
              `${label} checkpoint t = ${t}`,
            );
          }
        });
        assert.deepEqual(drifts, result.drift_indices, label);
        assert.deepEqual(widths, result.width_after_each_update, label);
      }
    }
  },
);

referenceTest<AdwinVectors>("Adwin - River's documented drift indices, current and legacy", FILE, (data) => {
  const s = data.river_test_streams;
  const doc = driftIndices(new Adwin(), s.doc_random_12345).map((i) => [i, s.doc_random_12345[i]]);
  assert.deepEqual(doc, expected(data, "docstring (River>=0.11"));
  const np = s.np_seed12345_randint2_randint8;
  assert.deepEqual(
    driftIndices(new Adwin(), np),
    expected(data, "test_drift_detectors.py::test_adwin current"),
  );
  assert.deepEqual(
    driftIndices(new Adwin(), s.random_42_four_segments),
    expected(data, "test_adwin_regression.py::test_multiple_drifts"),
  );
  assert.deepEqual(
    driftIndices(new Adwin({ scanLastEntry: false }), np),
    expected(data, "test_drift_detectors.py::test_adwin River 0.11-0.21"),
  );
  const legacy = { scanLastEntry: false, resetOnDrift: false };
  assert.deepEqual(
    driftIndices(new Adwin(legacy), np),
    expected(data, "test_drift_detectors.py::test_adwin River <=0.10"),
  );
  const old = s.np_seed12345_randint2_randint4to8_old_doc;
  assert.deepEqual(
    driftIndices(new Adwin(legacy), old).map((i) => [i, old[i]]),
    expected(data, "old docstring River<=0.10"),
  );
});

referenceTest<AdwinVectors>(
  "Adwin - River regression tests: totals, constant stream, reset",
  FILE,
  (data) => {
    const a = new Adwin();
    [1, 2, 3, 4, 5].forEach((x) => a.update(x));
    assert.deepEqual(
      [a.width, a.total, a.estimation, a.variance],
      expected(data, "test_total_and_estimation"),
    );
    const constant = new Adwin();
    for (let i = 0; i < 5000; i++) constant.update(1);
    assert.equal(constant.nDetections, expected(data, "test_no_drift_constant_stream"));
    const r = new Adwin();
    const stream = data.river_test_streams.doc_random_12345;
    let i = 0;
    while (!r.update(stream[i])) i++;
    r.update(stream[i + 1]);
    assert.deepEqual([true, r.width], expected(data, "test_reset_on_drift_detected"));
  },
);

Deno.test("Adwin - no check before the grace period; drift only at clock ticks", () => {
  const a = new Adwin({ gracePeriod: 600, clock: 1 });
  const values = [...Array(300).fill(0), ...Array(300).fill(1)];
  assert.deepEqual(driftIndices(a, values), []);
  assert.equal(a.nDetections, 0);
  const b = new Adwin();
  for (const i of driftIndices(b, [...Array(300).fill(0), ...Array(300).fill(1)])) {
    assert.equal((i + 1) % 32, 0);
  }
  assert.throws(() => new Adwin({ delta: 0 }), /delta is 0/);
  assert.throws(() => new Adwin({ clock: 0 }), /clock is 0/);
});

Deno.test("Adwin - restore then continue equals never stopping, including across a drift", () => {
  const values = Array.from(
    { length: 1500 },
    (_, i) => (i < 700 ? (i * 7) % 3 === 0 ? 1 : 0 : (i * 7) % 3 ? 1 : 0),
  );
  const reference = new Adwin({ clock: 1 });
  const expectedDrifts = driftIndices(reference, values);
  assert.ok(expectedDrifts.length > 0);
  for (const cut of [5, 700, expectedDrifts[0] + 1]) {
    const a = new Adwin({ clock: 1 });
    const head = driftIndices(a, values.slice(0, cut));
    const b = jsonRoundTrip(a, Adwin.fromJSON);
    const tail = driftIndices(b, values.slice(cut)).map((i) => i + cut);
    assert.deepEqual([...head, ...tail], expectedDrifts, `cut at ${cut}`);
    assert.deepEqual(b.toJSON(), reference.toJSON());
  }
});
