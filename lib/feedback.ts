/**
 * Analyst feedback on anomalies (`POST /api/update`): a true or false positive label per
 * anomaly, stored under `["feedback", anomalyId]` and set on the stored anomaly. Tuning of
 * detectors from labels builds on `recordFeedback`.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { getAnomaly } from "./anomaly_store.ts";
import type { Anomaly } from "./schema.ts";
import { z } from "zod";

export const FeedbackLabel = z.enum(["true_positive", "false_positive"]);
export type FeedbackLabel = z.infer<typeof FeedbackLabel>;

/** The body of `POST /api/update`. */
export const FeedbackBody = z.object({
  anomalyId: z.string().min(1).max(512),
  label: FeedbackLabel,
});

/** What is stored under `["feedback", anomalyId]`. */
export interface Feedback {
  anomalyId: string;
  label: FeedbackLabel;
  detector: string;
  type: string;
  ip: string;
  /** When the label was given (ms). */
  at: number;
}

/** An anomaly as stored, with the label an analyst gave it. */
export type LabelledAnomaly = Anomaly & { feedback?: FeedbackLabel };

/**
 * Label an anomaly. Returns the stored feedback, or null when no anomaly has that id.
 *
 * @example await recordFeedback(kv, "brute_force-vm1.12.4", "false_positive")
 */
export async function recordFeedback(
  kv: Deno.Kv,
  anomalyId: string,
  label: FeedbackLabel,
  at: number = Date.now(),
): Promise<Feedback | null> {
  const a = await getAnomaly(kv, anomalyId);
  if (!a) return null;
  const fb: Feedback = { anomalyId, label, detector: a.detector, type: a.type, ip: a.ip, at };
  const labelled: LabelledAnomaly = { ...a, feedback: label };
  const ts = Date.parse(a.ts);
  const op = kv.atomic()
    .set(keys.feedback(anomalyId), fb)
    .set(keys.anomaly(a.id), labelled)
    .set(keys.anomalyByTs(ts, a.id), labelled)
    .set(keys.anomalyByIp(a.ip, ts, a.id), labelled);
  await retryLocked(() => op.commit());
  return fb;
}

/**
 * Attach stored labels to anomalies (an update of a still-open anomaly rewrites it without
 * its label, so the feedback keys are the source of truth).
 */
export async function withFeedback(kv: Deno.Kv, items: readonly Anomaly[]): Promise<LabelledAnomaly[]> {
  const out: LabelledAnomaly[] = [];
  for (let i = 0; i < items.length; i += 10) {
    const part = items.slice(i, i + 10);
    const got = await retryLocked(() => kv.getMany<Feedback[]>(part.map((a) => keys.feedback(a.id))));
    part.forEach((a, j) => {
      const fb = got[j].value;
      const { feedback: _, ...rest } = a as LabelledAnomaly;
      out.push(fb ? { ...rest, feedback: fb.label } : rest);
    });
  }
  return out;
}
