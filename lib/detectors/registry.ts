/**
 * The detector registry: name -> zod config schema -> factory. Config comes from the
 * operator's file; errors quote the value and state the rule.
 */
import type { z } from "zod";
import { bruteForce, bruteForceConfig } from "./brute_force.ts";
import type { Detector } from "./detector.ts";
import { portScan, portScanConfig } from "./port_scan.ts";
import { rateBurst, rateBurstConfig } from "./rate_burst.ts";
import { slowBruteForce, slowBruteForceConfig } from "./slow_brute_force.ts";

interface Entry {
  // deno-lint-ignore no-explicit-any
  schema: z.ZodType<any, any>;
  // deno-lint-ignore no-explicit-any
  create: (config: any) => Detector;
  description: string;
}

/** Every detector by name. */
export const registry: Readonly<Record<string, Entry>> = Object.freeze({
  brute_force: {
    schema: bruteForceConfig,
    create: bruteForce as (c: unknown) => Detector,
    description: "failed logins per IP in a sliding window (fail2ban sshd: 5 in 10m)",
  },
  slow_brute_force: {
    schema: slowBruteForceConfig,
    create: slowBruteForce as (c: unknown) => Detector,
    description:
      "leaky bucket of failed logins per IP over a long time (capacity 10, 1 per 10m, at least 10m)",
  },
  port_scan: {
    schema: portScanConfig,
    create: portScan as (c: unknown) => Detector,
    description: "distinct destination ports per IP in a short window (15 in 1m)",
  },
  rate_burst: {
    schema: rateBurstConfig,
    create: rateBurst as (c: unknown) => Detector,
    description: "events per IP in a short window (100 in 10s)",
  },
});

/** Thrown for an invalid detectors section; the message names the detector, field and value. */
export class DetectorConfigError extends Error {
  override name = "DetectorConfigError";
}

/**
 * Build detectors from a config object `{ name: { ...options, enabled?: boolean } }`.
 * Detectors not named get their defaults; `enabled: false` turns one off.
 */
export function buildDetectors(config: Record<string, unknown> = {}): Detector[] {
  for (const name of Object.keys(config)) {
    if (!(name in registry)) {
      throw new DetectorConfigError(
        `Unknown detector "${name}": known detectors are ${Object.keys(registry).join(", ")}`,
      );
    }
  }
  const out: Detector[] = [];
  for (const [name, entry] of Object.entries(registry)) {
    const raw = config[name] ?? {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new DetectorConfigError(
        `Invalid config for detector "${name}": is ${JSON.stringify(raw)}, must be an object`,
      );
    }
    const { enabled = true, ...options } = raw as Record<string, unknown>;
    if (typeof enabled !== "boolean") {
      throw new DetectorConfigError(
        `Invalid config for detector "${name}": field "enabled" is ${
          JSON.stringify(enabled)
        }, must be true or false`,
      );
    }
    if (!enabled) continue;
    const parsed = entry.schema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.join(".");
      const value = field ? (options as Record<string, unknown>)[String(issue.path[0])] : options;
      const msg = issue.code === "custom" ? issue.message.replace(/^is .*?, /, "") : issue.message;
      const rule = msg.charAt(0).toLowerCase() + msg.slice(1);
      throw new DetectorConfigError(
        field
          ? `Invalid config for detector "${name}": field "${field}" is ${JSON.stringify(value)}, ${rule}`
          : `Invalid config for detector "${name}": ${rule}`,
      );
    }
    out.push(entry.create(parsed.data));
  }
  return out;
}
