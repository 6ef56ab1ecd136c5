/**
 * The `alerts` section of the config file (`--config FILE`): webhooks, each with its format,
 * filters and noise controls. Validated once at start; an error quotes the value and states
 * the rule, like the detector registry's.
 */
import { z } from "zod";
import { parseDuration } from "../duration.ts";
import { Severity } from "../schema.ts";

const Duration = (def: string) =>
  z.union([z.string(), z.number()]).default(def).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: `must be a duration such as "30s", "10m" or "1h"` });
      return z.NEVER;
    }
    return ms;
  });

const Url = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === "https:" || u.protocol === "http:") && u.username === "" && u.password === "";
  } catch {
    return false;
  }
}, "must be an http:// or https:// URL without user:password@");

/** One webhook. Durations are strings like "10m"; 0 turns a control off. */
export const WebhookConfig = z.strictObject({
  /** Name used in logs and metrics labels. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, "letters, digits, '_', '.', '-', at most 40"),
  url: Url,
  /** `json` (generic), `slack` (incoming webhook `text`) or `discord` (`content` + embeds). */
  format: z.enum(["json", "slack", "discord"]).default("json"),
  /** HMAC-SHA256 key; when set, `X-Honeywatch-Signature: sha256=<hex>` signs the body. */
  secret: z.string().min(16, "must be at least 16 characters").optional(),
  minSeverity: Severity.default("medium"),
  /** Anomaly types sent; all when absent. */
  types: z.array(z.string().min(1)).optional(),
  /** Live message kinds sent: anomalies and/or drift. */
  events: z.array(z.enum(["anomaly", "drift"])).min(1).default(["anomaly"]),
  /** Same type, IP and sensor again within this window is not resent, unless its severity rose. */
  dedupe: Duration("1h"),
  /** After an alert about an IP, nothing more about that IP for this long (any type). */
  cooldown: Duration("10m"),
  /** Gather alerts and send one message per interval (0: send each at once). */
  digest: Duration("0s"),
  /** Attempts after the first on a network error, 5xx or 429. */
  retries: z.number().int().min(0).max(10).default(4),
  /** First retry delay; doubled each attempt (with jitter), capped at 5 min. */
  backoff: Duration("1s"),
  timeout: Duration("10s"),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;

export const AlertsConfig = z.strictObject({
  webhooks: z.array(WebhookConfig).max(20).default([]),
});
export type AlertsConfig = z.infer<typeof AlertsConfig>;

/** Validate the raw `alerts` section; throws an Error whose message names the field and value. */
export function parseAlertsConfig(raw: unknown): AlertsConfig {
  const r = AlertsConfig.safeParse(raw ?? {});
  if (r.success) {
    const names = new Set<string>();
    for (const w of r.data.webhooks) {
      if (names.has(w.name)) {
        throw new Error(`Invalid config "alerts": webhook name "${w.name}" is used twice`);
      }
      names.add(w.name);
    }
    return r.data;
  }
  const issue = r.error.issues[0];
  let value: unknown = raw;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p as string];
  const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const shown = issue.path.at(-1) === "secret" ? "(hidden)" : JSON.stringify(value);
  throw new Error(`Invalid config "alerts${where}": ${shown} ${issue.message}`);
}
