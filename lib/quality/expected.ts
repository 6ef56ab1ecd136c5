/**
 * Fields a complete event of each kind carries, for the completeness measure. Anchored on
 * what current Cowrie (3.0.x) and the line sources write; older releases leave some out
 * (1.x has no `protocol`, stdin captures have no `url`), which is exactly what the measure shows.
 */
import type { Kind, NormalisedEvent } from "../schema.ts";

/** A field name of the normalised event, or `raw.<key>`. A `a|b` entry is present when either is. */
export const EXPECTED: Partial<Record<Kind, readonly string[]>> = {
  connect: ["session", "src_port", "dst_ip", "dst_port", "proto"],
  closed: ["session", "duration_ms"],
  client_version: ["session", "client"],
  client_kex: ["session", "hassh"],
  client_fingerprint: ["session", "username", "raw.fingerprint"],
  login_failed: ["session", "username", "password|raw.fingerprint"],
  login_success: ["session", "username", "password|raw.fingerprint"],
  command: ["session", "command"],
  command_failed: ["session", "command"],
  download: ["session", "url", "sha256"],
  download_failed: ["session", "url"],
  upload: ["session", "sha256"],
  tcpip_request: ["session", "dst_ip", "dst_port"],
  log_closed: ["session", "bytes", "sha256", "duration_ms"],
  firewall: ["dst_port", "proto"],
  conn: ["dst_port", "proto", "duration_ms"],
};

/**
 * Line sources carry less by nature: sshd logs no password and no session id, so a failed
 * login is complete with a user and a source port.
 */
export const EXPECTED_LINES: Partial<Record<Kind, readonly string[]>> = {
  login_failed: ["username", "src_port"],
  login_success: ["username", "src_port"],
  connect: ["src_port"],
  disconnect: ["src_port"],
  firewall: ["dst_port", "proto"],
  conn: ["dst_port", "proto", "duration_ms"],
};

function has(ev: NormalisedEvent, field: string): boolean {
  if (field.startsWith("raw.")) return ev.raw?.[field.slice(4)] != null;
  return (ev as Record<string, unknown>)[field] != null;
}

/** For each expected field of `ev`'s kind, whether it is present; empty when the kind has no list. */
export function fieldPresence(ev: NormalisedEvent): [field: string, present: boolean][] {
  const fields = (ev.source === "cowrie" ? EXPECTED : EXPECTED_LINES)[ev.kind];
  if (!fields) return [];
  return fields.map((f) => [f, f.split("|").some((x) => has(ev, x))]);
}
