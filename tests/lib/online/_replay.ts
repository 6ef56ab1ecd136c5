/** A small generated, labelled replay for the online-model tests (background + injected attacks). */
import { planReplay } from "../../../collector/replay_source.ts";
import type { Injectable } from "../../../collector/inject.ts";
import type { Label } from "../../../lib/eval/metrics.ts";

export const START = Date.UTC(2026, 0, 5, 10, 0, 0);

/** `count` background events at `rate`/s from START, with `inject` spread evenly. */
export async function labelledReplay(
  count: number,
  rate: number,
  inject: Injectable[],
  seed = 3,
): Promise<{ records: unknown[]; labels: Label[] }> {
  const plan = await planReplay({
    files: [],
    generate: { count, rate, start: START },
    keepTime: true,
    now: START,
    inject,
    seed,
  });
  const records: unknown[] = [];
  for await (const r of plan.records()) records.push(r);
  return { records, labels: plan.labels };
}
