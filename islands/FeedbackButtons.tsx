/** Mark an anomaly a true or false positive (`POST /api/update`). */
import { useState } from "preact/hooks";
import type { FeedbackLabel } from "../lib/feedback.ts";

export interface FeedbackButtonsProps {
  anomalyId: string;
  label?: FeedbackLabel | null;
}

const TEXT: Record<FeedbackLabel, string> = {
  true_positive: "true positive",
  false_positive: "false positive",
};

export function FeedbackButtons({ anomalyId, label = null }: FeedbackButtonsProps) {
  const [current, setCurrent] = useState<FeedbackLabel | null>(label);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const send = async (l: FeedbackLabel) => {
    setBusy(true);
    setError("");
    try {
      const res = await fetch("/api/update", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ anomalyId, label: l }),
      });
      const body = await res.json();
      if (!res.ok) setError(body.message ?? `Failed (${res.status})`);
      else setCurrent(body.label);
    } catch (e) {
      setError(`Not sent: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="feedback" data-label={current ?? ""}>
      {(["true_positive", "false_positive"] as const).map((l) => (
        <button
          key={l}
          type="button"
          class={`btn small ${current === l ? "chosen" : ""}`}
          aria-pressed={current === l}
          disabled={busy}
          data-feedback={l}
          onClick={() => send(l)}
        >
          {TEXT[l]}
        </button>
      ))}
      {current && <span class="muted">marked {TEXT[current]}</span>}
      {error && <span class="error" role="alert">{error}</span>}
    </span>
  );
}
