/** Event factories for the actor tests (private to this folder). */
import type { NormalisedEvent } from "../../lib/schema.ts";

/** A minute-aligned event time, so windows and bucket edges are easy to read. */
export const T0 = Date.parse("2026-01-01T00:00:00Z");

/** A Cowrie event at `T0 + at`; `id` defaults to `e<at>`, `src_ip` to 203.0.113.9. */
export function ev(at: number, over: Partial<NormalisedEvent> = {}): NormalisedEvent {
  return {
    id: `e${at}`,
    ts: T0 + at,
    sensor: "vm1",
    source: "cowrie",
    kind: "connect",
    src_ip: "203.0.113.9",
    ...over,
  };
}

/** A failed login at `T0 + at`. */
export function failed(at: number, over: Partial<NormalisedEvent> = {}): NormalisedEvent {
  return ev(at, { kind: "login_failed", username: "root", password: "123456", ...over });
}
