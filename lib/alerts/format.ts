/**
 * Webhook bodies: generic JSON, Slack incoming-webhook and Discord webhook shapes. Alert
 * fields can hold attacker-controlled text (usernames in a reason), so Slack text is escaped
 * and Discord mentions are disabled.
 */
import type { HubData } from "../hub.ts";

/** What an alert carries: a hub message's data (an anomaly, or a drift record) and its kind. */
export interface Alert {
  event: "anomaly" | "drift";
  data: HubData & { id?: string; reason?: string; ts?: string; score?: number };
}

const COLOURS: Record<string, number> = {
  low: 0x6b7280,
  medium: 0xd97706,
  high: 0xdc2626,
  critical: 0x7f1d1d,
};

/** Slack's three control characters. */
function slackEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function line(a: Alert): string {
  const d = a.data;
  const where = d.ip === "*" ? "global" : d.ip;
  return `[${d.severity}] ${d.type} ${where}${d.sensor ? ` on ${d.sensor}` : ""}: ${d.reason ?? ""}`.trim();
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** The body for `format`; `sentAt` is ISO time. A digest has several alerts and `more` left out. */
export function formatBody(
  format: "json" | "slack" | "discord",
  alerts: readonly Alert[],
  sentAt: string,
  more = 0,
): unknown {
  const digest = alerts.length > 1 || more > 0;
  switch (format) {
    case "json":
      return {
        source: "honeywatch",
        sentAt,
        digest,
        count: alerts.length + more,
        omitted: more,
        alerts: alerts.map((a) => ({ event: a.event, ...a.data })),
      };
    case "slack": {
      const head = digest ? `*honeywatch digest: ${alerts.length + more} alerts*\n` : "";
      const body = alerts.map((a) => `• ${slackEscape(line(a))}`).join("\n");
      return { text: cut(head + body + (more ? `\n… and ${more} more` : ""), 3900) };
    }
    case "discord": {
      const embeds = alerts.slice(0, 10).map((a) => ({
        title: cut(`${a.data.severity.toUpperCase()} ${a.data.type} ${a.data.ip}`, 256),
        description: cut(a.data.reason ?? "", 2000),
        color: COLOURS[a.data.severity] ?? 0,
        timestamp: a.data.ts,
        fields: a.data.sensor ? [{ name: "sensor", value: cut(a.data.sensor, 1024), inline: true }] : [],
      }));
      const left = alerts.length - embeds.length + more;
      return {
        content: cut(
          digest
            ? `honeywatch digest: ${alerts.length + more} alerts${left ? ` (${left} not shown)` : ""}`
            : line(alerts[0]),
          2000,
        ),
        embeds,
        // Attacker text must never ping @everyone or a role.
        allowed_mentions: { parse: [] },
      };
    }
  }
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body). */
export async function sign(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body as BufferSource));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
