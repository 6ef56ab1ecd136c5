/**
 * OpenAPI rows of the campaign, session and TTY log routes (routes/campaigns.tsx,
 * routes/sessions.ts, routes/ttylogs.ts), added to the document at import.
 */
import { addOperations } from "../lib/openapi.ts";

type Json = Record<string, unknown>;
const str = { type: "string" };
const int = { type: "integer" };
const err = (description: string) => ({
  description,
  contentType: "application/json",
  schema: { $ref: "#/components/schemas/Error" },
});
const tally = (key: string): Json => ({
  type: "array",
  items: { type: "object", properties: { [key]: str, ips: int }, required: [key, "ips"] },
});

const REPLAY_LINES: Json = {
  type: "array",
  items: {
    type: "object",
    properties: { at: int, style: { enum: ["in", "out", "meta"] }, prompt: str, text: str },
    required: ["at", "style", "text"],
  },
};

/** JSON Schema of `CampaignView` (lib/campaigns/tracker.ts). */
export const CAMPAIGN_SCHEMA: Json = {
  type: "object",
  properties: {
    id: str,
    kind: { enum: ["credential_list", "command_sequence", "mixed"] },
    memberCount: int,
    overflow: int,
    members: {
      type: "array",
      items: {
        type: "object",
        properties: { ip: str, attempts: int, firstSeen: str, lastSeen: str },
        required: ["ip", "attempts", "firstSeen", "lastSeen"],
      },
    },
    firstSeen: str,
    lastSeen: str,
    failedLogins: int,
    maxAttemptsPerIp: int,
    sharedCredentials: tally("credential"),
    commands: tally("sequence"),
    clients: tally("client"),
    hassh: tally("hassh"),
    links: {
      type: "object",
      properties: { credentials: int, commands: int },
      required: ["credentials", "commands"],
    },
    timeline: {
      type: "array",
      items: { type: "object", properties: { t: str, events: int }, required: ["t", "events"] },
    },
    evidence: { type: "array", items: str },
    anomalyId: { type: ["string", "null"] },
  },
  required: [
    "id",
    "kind",
    "memberCount",
    "overflow",
    "members",
    "firstSeen",
    "lastSeen",
    "failedLogins",
    "maxAttemptsPerIp",
    "sharedCredentials",
    "commands",
    "clients",
    "hassh",
    "links",
    "timeline",
    "evidence",
    "anomalyId",
  ],
};

addOperations(
  {
    method: "get",
    path: "/api/campaigns",
    summary: "Campaigns: source IPs grouped by shared credential lists, client fingerprints or scripts",
    tag: "campaigns",
    access: "read",
    params: [
      { name: "ip", description: "Only the campaign this IP belongs to" },
      { name: "minMembers", description: "Campaigns with at least this many IPs (default 2)", schema: int },
      { name: "limit", description: "At most this many campaigns, 1..1000 (default 100)", schema: int },
    ],
    responses: {
      200: {
        description: "Campaigns, most recently active first",
        contentType: "application/json",
        schema: {
          type: "object",
          properties: { items: { type: "array", items: CAMPAIGN_SCHEMA }, cursor: { type: "null" } },
          required: ["items", "cursor"],
        },
      },
      400: err("A filter is invalid"),
    },
  },
  {
    method: "get",
    path: "/api/campaigns/:id",
    summary: "One campaign",
    tag: "campaigns",
    access: "read",
    params: [{ name: "id", in: "path", description: "Campaign id" }],
    responses: {
      200: { description: "The campaign", contentType: "application/json", schema: CAMPAIGN_SCHEMA },
      404: err("No such campaign"),
    },
  },
  {
    method: "get",
    path: "/api/sessions/:session",
    summary: "One Cowrie session's stored events and its terminal replay lines",
    tag: "events",
    access: "read",
    params: [
      { name: "session", in: "path", description: "Cowrie session id" },
      { name: "ip", description: "The session's source IP (events are indexed by IP)", required: true },
    ],
    responses: {
      200: {
        description: "The session",
        contentType: "application/json",
        schema: {
          type: "object",
          properties: {
            session: str,
            ip: str,
            sensor: str,
            start: str,
            end: str,
            events: { type: "array", items: { $ref: "#/components/schemas/NormalisedEvent" } },
            lines: REPLAY_LINES,
            ttylog: {
              type: "object",
              description:
                "The session's Cowrie TTY log, when a collector shipped it: the terminal as the attacker saw it",
              properties: { sha256: str, durationMs: int, lines: REPLAY_LINES },
              required: ["sha256", "durationMs", "lines"],
            },
          },
          required: ["session", "ip", "sensor", "start", "end", "events", "lines"],
        },
      },
      400: err("Missing or invalid ip"),
      404: err("No events of this session are stored"),
    },
  },
);

const UPLOADED: Json = {
  type: "object",
  properties: { sha256: str, size: int, stored: { type: "boolean" } },
  required: ["sha256", "size", "stored"],
};
const SHA_PARAM = { name: "sha256", in: "path" as const, description: "SHA-256 of the log's bytes, in hex" };

addOperations(
  {
    method: "put",
    path: "/api/ttylogs/:sha256",
    summary: "Upload one Cowrie TTY log (what `--ttylog-dir` makes the collector do); idempotent",
    tag: "ingest",
    access: "ingest",
    params: [
      SHA_PARAM,
      { name: "sensor", description: "Sensor name; a per-sensor token must match it", required: true },
      { name: "session", description: "The Cowrie session the log records" },
      { name: "ip", description: "The session's source IP" },
    ],
    body: {
      contentType: "application/octet-stream",
      schema: { type: "string", contentMediaType: "application/octet-stream" },
    },
    responses: {
      200: { description: "Already stored", contentType: "application/json", schema: UPLOADED },
      201: { description: "Stored", contentType: "application/json", schema: UPLOADED },
      400: err("Bad sensor, session or ip; the body's SHA-256 differs; or the body is not a TTY log"),
      401: err("No valid ingest token"),
      413: err("Larger than 8 MiB"),
    },
  },
  {
    method: "get",
    path: "/api/ttylogs/:sha256",
    summary: "A stored TTY log as terminal replay lines with their times",
    tag: "events",
    access: "read",
    params: [SHA_PARAM],
    responses: {
      200: {
        description: "The log",
        contentType: "application/json",
        schema: {
          type: "object",
          properties: {
            sha256: str,
            size: int,
            sensor: str,
            session: str,
            ip: str,
            start: str,
            durationMs: int,
            inputBytes: int,
            outputBytes: int,
            lines: REPLAY_LINES,
          },
          required: ["sha256", "size", "sensor", "start", "durationMs", "inputBytes", "outputBytes", "lines"],
        },
      },
      400: err("Not a SHA-256"),
      404: err("No such log is stored"),
    },
  },
  {
    method: "get",
    path: "/api/ttylogs/:sha256/raw",
    summary: "A stored TTY log's bytes, as Cowrie wrote them (for Cowrie's playlog)",
    tag: "events",
    access: "read",
    params: [SHA_PARAM],
    responses: {
      200: { description: "The bytes", contentType: "application/octet-stream", schema: str },
      400: err("Not a SHA-256"),
      404: err("No such log is stored"),
    },
  },
);
