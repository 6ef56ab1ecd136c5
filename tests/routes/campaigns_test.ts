import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { CampaignView } from "../../lib/campaigns/mod.ts";
import type { Anomaly } from "../../lib/schema.ts";
import { cowrie, postCowrie, startServer } from "../_helpers.ts";

const T0 = Date.parse("2026-11-25T06:00:00Z");
const LIST = [
  "admin:Sup3r!x",
  "oracle:0racle#1",
  "hadoop:h4d00p!",
  "ubnt:<script>alert(1)</script>",
  "git:g1t-pass",
];

/** 10 IPs, 7 minutes apart, each trying 3 or 4 entries of one list: no IP reaches 5 failures. */
function botnet(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    const ip = `198.51.100.${i + 1}`;
    const t = T0 + i * 7 * 60_000;
    const session = `b0000000000${i}`;
    out.push(cowrie("cowrie.client.kex", ip, t, { session, hassh: "0a07365cc01fa9fc82608ba4019af499" }));
    for (let k = 0; k < 3 + (i % 2); k++) {
      const [username, password] = LIST[(i + k) % LIST.length].split(/:(.*)/s);
      out.push(cowrie("cowrie.login.failed", ip, t + 1000 + k * 60_000, { session, username, password }));
    }
  }
  return out.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
}

const post = postCowrie;

Deno.test("campaigns api - a distributed brute force is one campaign with one campaign anomaly", async () => {
  const srv = await startServer();
  try {
    const records = botnet();
    for (let i = 0; i < records.length; i += 8) await post(srv, records.slice(i, i + 8));

    // No per-IP brute force: every IP stays under fail2ban's 5 in 10 minutes.
    const bf = await (await srv.app.request("/api/anomalies?type=brute_force")).json();
    assert.equal(bf.items.length, 0);
    const an: { items: Anomaly[] } = await (await srv.app.request("/api/anomalies?type=campaign")).json();
    assert.equal(an.items.length, 1);
    const a = an.items[0];
    assert.equal(a.value, 10);
    assert.equal(a.features.members, 10);
    assert.ok(a.features.max_failed_per_ip <= 4);
    assert.match(a.reason, /low-and-slow campaign of 10 IPs sharing a credential list/);

    const list: { items: CampaignView[] } = await (await srv.app.request("/api/campaigns")).json();
    assert.equal(list.items.length, 1);
    const c = list.items[0];
    assert.equal(a.id, `campaign-${c.id}`);
    assert.equal(c.anomalyId, a.id);
    assert.deepEqual(
      c.members.map((m) => m.ip).sort(),
      records.map((r) => r.src_ip).filter((v, i, all) => all.indexOf(v) === i).sort(),
    );
    assert.ok(c.sharedCredentials.some((s) => s.credential === "ubnt:<script>alert(1)</script>"));
    assert.equal(c.firstSeen, "2026-11-25T06:00:00.000Z");
    assert.ok(c.timeline.length > 0);

    // The body matches the OpenAPI document's schema.
    const doc = await (await srv.app.request("/api/openapi.json")).json();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(doc, "openapi.json");
    const validate = ajv.compile({
      $ref: "openapi.json#/paths/~1api~1campaigns/get/responses/200/content/application~1json/schema",
    });
    assert.ok(validate(list), ajv.errorsText(validate.errors));

    const mine = await (await srv.app.request("/api/campaigns?ip=198.51.100.4")).json();
    assert.equal(mine.items[0].id, c.id);
    assert.deepEqual((await (await srv.app.request("/api/campaigns?ip=192.0.2.1")).json()).items, []);
    assert.equal((await (await srv.app.request(`/api/campaigns/${c.id}`)).json()).id, c.id);
    const missing = await srv.app.request("/api/campaigns/nope");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const bad = await srv.app.request("/api/campaigns?ip=not-an-ip");
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /not-an-ip/);

    // The page renders the attacker's credential as text, never as markup.
    const page = await (await srv.app.request("/campaigns")).text();
    assert.match(page, new RegExp(`href="/campaigns/${c.id}"`));
    assert.match(page, /ubnt:&lt;script>alert\(1\)&lt;\/script>/);
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /href="\/ip\/198\.51\.100\.4"/);
    assert.match(page, /<svg[^>]*aria-label="Events of member IPs per minute"/);
    // The attacker page links each member to its campaign.
    const ipPage = await (await srv.app.request("/ip/198.51.100.4")).text();
    assert.match(ipPage, new RegExp(`<a href="/campaigns/${c.id}">${c.id}</a>`));
    const unknown = await srv.app.request("/campaigns/nope");
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /No such campaign/);
    const one = await srv.app.request(`/campaigns/${c.id}`);
    assert.equal(one.status, 200);
    assert.match(await one.text(), /10 IPs · \d+ failed logins · at most 4 per IP/);
  } finally {
    await srv.close();
  }
});

Deno.test("sessions api - one session's events and replay lines; the ip is required", async () => {
  const srv = await startServer();
  try {
    const ip = "192.0.2.77";
    const s = { session: "5e55105e5510" };
    await post(srv, [
      cowrie("cowrie.session.connect", ip, T0, { ...s, src_port: 1234 }),
      cowrie("cowrie.login.success", ip, T0 + 100, { ...s, username: "root", password: "x" }),
      cowrie("cowrie.command.input", ip, T0 + 200, { ...s, input: "id" }),
      cowrie("cowrie.command.input", ip, T0 + 300, { session: "othersession", input: "ls" }),
    ]);
    const res = await srv.app.request(`/api/sessions/${s.session}?ip=${ip}`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.events.length, 3);
    assert.equal(body.start, "2026-11-25T06:00:00.000Z");
    assert.deepEqual(body.lines.at(-1), { at: 200, style: "in", prompt: "root@hp1:~$ ", text: "id" });
    const missing = await srv.app.request(`/api/sessions/nosuchsession?ip=${ip}`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const noIp = await srv.app.request(`/api/sessions/${s.session}`);
    assert.equal(noIp.status, 400);
    assert.match((await noIp.json()).message, /Query "ip"/);
  } finally {
    await srv.close();
  }
});
