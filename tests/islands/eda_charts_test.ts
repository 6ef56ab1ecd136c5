import assert from "node:assert/strict";
import { chartSpecs, type EdaChartsProps } from "../../islands/EdaCharts.tsx";

Deno.test("EdaCharts - top-value bars label an empty password '(empty)' and clip long commands", () => {
  const none: EdaChartsProps["counts"] = {
    src_ip: [],
    dst_port: [],
    kind: [],
    username: [],
    password: [],
    command: [],
  };
  const props: EdaChartsProps = {
    counts: {
      ...none,
      password: [{ value: "123456", count: 3 }, { value: "", count: 2 }],
      command: [{ value: "x".repeat(60), count: 1 }],
    },
    perMinute: [],
    perHour: [],
    hourOfDay: new Array(24).fill(0),
    features: [],
    pca: { explained: [], points: [], labels: [] },
  };
  const labels = (id: string) => {
    const spec = chartSpecs(props).find((s) => s.id === id)!;
    return (spec.build() as { data: { labels: string[] } }).data.labels;
  };
  assert.deepEqual(labels("top-password"), ["123456", "(empty)"]);
  assert.deepEqual(labels("top-command"), ["x".repeat(39) + "…"]);
});
