/** Event factories for the detector tests (private to this folder). */
import type { NormalisedEvent } from "../../../lib/schema.ts";

/** A minute-aligned event time, so windows and bucket edges are easy to read. */
export const T0 = Date.parse("2026-01-01T00:00:00Z");

/** A Cowrie event from 203.0.113.9 at `T0 + at`; `id` defaults to `e<at>`. */
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

/** A direct-tcpip request to `port` at `T0 + at`. */
export function forward(at: number, port: number, over: Partial<NormalisedEvent> = {}): NormalisedEvent {
  return ev(at, { kind: "tcpip_request", dst_ip: "192.0.2.80", dst_port: port, ...over });
}
