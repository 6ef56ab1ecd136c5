/**
 * OpenAPI rows of the campaign and session routes (routes/campaigns.tsx, routes/sessions.ts),
 * added to the document at import.
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
            lines: {
              type: "array",
              items: {
                type: "object",
                properties: { at: int, style: { enum: ["in", "out", "meta"] }, prompt: str, text: str },
                required: ["at", "style", "text"],
              },
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
