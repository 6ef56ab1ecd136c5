/**
 * `POST /api/update`: mark an anomaly a true or false positive. The response's `change` says
 * what the detector adjusted (threshold, allowlist), see `OnlineModels.feedback`.
 */
import { Hono } from "hono";
import { FeedbackBody, recordFeedback } from "../lib/feedback.ts";
import { HttpError } from "../lib/http_error.ts";
import type { Runtime } from "../lib/runtime.ts";

export function feedbackRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.post("/api/update", async (c) => {
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new HttpError(400, 'Body must be JSON: {"anomalyId": "...", "label": "true_positive"}');
    }
    const body = FeedbackBody.safeParse(json);
    if (!body.success) {
      const issue = body.error.issues[0];
      throw new HttpError(400, `Invalid body: field "${issue.path.join(".")}": ${issue.message}`);
    }
    const fb = await recordFeedback(rt.kv, body.data.anomalyId, body.data.label, rt.clock.now());
    if (!fb) {
      throw new HttpError(404, `No anomaly with id ${JSON.stringify(body.data.anomalyId)}`, "not_found");
    }
    // The online detectors tune themselves from the label; the change is saved at once.
    const change = rt.models.feedback(fb);
    await rt.models.save(rt.kv, rt.clock.now());
    return c.json({ anomalyId: fb.anomalyId, label: fb.label, detector: fb.detector, change });
  });
  return app;
}
