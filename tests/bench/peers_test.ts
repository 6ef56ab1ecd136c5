import assert from "node:assert/strict";
import { have, sharedTools } from "../../bench/_workload.ts";
import { crowdsecMissing } from "../../bench/_peers_crowdsec.ts";
import { windowedOffenders } from "../../bench/_peers_fail2ban.ts";
import { benchPeers, type SetReport } from "../../bench/peers.ts";

const MIN = 60_000;

Deno.test("windowedOffenders - flags maxretry failures inside findtime, whatever their order", () => {
  const byIp = new Map<string, number[]>([
    ["1.1.1.1", [0, 1, 2, 3, 4].map((i) => i * MIN)], // 5 in 4 min
    ["2.2.2.2", [4, 0, 1, 3, 2].map((i) => i * 2 * MIN)], // 5 in 8 min, unsorted
    ["3.3.3.3", [0, 1, 2, 3, 4].map((i) => i * 2.5 * MIN)], // 5 spanning exactly 10 min: outside (t - 10m, t]
    ["4.4.4.4", [0, 1, 2, 3].map((i) => i * 1000)], // 4 only
    ["5.5.5.5", [0, 20, 21, 22, 23, 24].map((i) => i * MIN)], // the first is too early, the next 5 do it
  ]);
  assert.deepEqual([...windowedOffenders(byIp, 5, 10 * MIN)].sort(), ["1.1.1.1", "2.2.2.2", "5.5.5.5"]);
});

/** Why the comparison cannot run here, or null. */
async function missing(): Promise<string | null> {
  if (sharedTools() === null) return "../shared/tools (make_authlog.py) not found";
  if (!(await have("python3"))) return "python3 not on PATH";
  if (!(await have("fail2ban-regex"))) return "fail2ban-regex not on PATH (apt-get install fail2ban)";
  return null;
}

function checkSet(name: string, s: SetReport): void {
  assert.ok(s.ips > 0, `${name}: empty brute-force set`);
  const total = Object.values(s.by_role).reduce((a, b) => a + b, 0);
  assert.equal(total, s.ips, `${name}: by_role ${JSON.stringify(s.by_role)} does not add up to ${s.ips}`);
  assert.equal(s.benign_flagged, s.by_role.benign ?? 0);
  assert.equal(s.by_role.unknown, undefined, `${name}: flagged an IP the ground truth does not know`);
}

Deno.test("benchPeers - honeywatch, fail2ban and (when installed) CrowdSec on a 5k-line auth.log", async (t) => {
  const why = await missing();
  if (why !== null) {
    await t.step({ name: `skipped: ${why}`, ignore: true, fn: () => {} });
    return;
  }
  const workDir = await Deno.makeTempDir({ prefix: "honeywatch_peers_test_" });
  try {
    const r = await benchPeers({ quick: true, workDir, lines: 5000, rounds: 1 });
    assert.equal(r.skipped.workload, undefined);
    assert.equal(r.skipped.fail2ban, undefined);
    assert.ok(r.workload && r.honeywatch && r.fail2ban);
    assert.equal(r.workload.lines, 5000);
    assert.equal(r.workload.year, 2026);
    assert.ok((r.workload.roles.benign ?? 0) > 0 && (r.workload.roles.replay ?? 0) > 0);

    // honeywatch read every line, rejected none, and flagged no benign user.
    assert.equal(r.honeywatch.events + r.honeywatch.skipped_lines + r.honeywatch.rejected_lines, 5000);
    assert.equal(r.honeywatch.rejected_lines, 0);
    checkSet("honeywatch", r.honeywatch);
    assert.equal(r.honeywatch.benign_flagged, 0);
    assert.ok(r.honeywatch.anomalies.brute_force > 0);

    checkSet("fail2ban", r.fail2ban);
    assert.ok(r.fail2ban.matches > 0 && r.fail2ban.ips_matched >= r.fail2ban.ips);
    assert.ok(r.fail2ban.agreement >= 0 && r.fail2ban.agreement <= 1);

    const csMissing = await crowdsecMissing();
    if (csMissing === null) {
      // Installed: the offline one-shot config must work (a failure lands in `skipped`).
      assert.equal(r.skipped.crowdsec, undefined);
      assert.ok(r.crowdsec);
      checkSet("crowdsec", r.crowdsec);
      assert.ok(r.crowdsec.hub_items.includes("crowdsecurity/ssh-bf"), r.crowdsec.hub_items.join(", "));
      assert.ok(r.crowdsec.agreement >= 0 && r.crowdsec.agreement <= 1);
      assert.ok(r.crowdsec_lines_per_s !== null && r.crowdsec_lines_per_s > 0);
    } else {
      assert.equal(r.skipped.crowdsec, csMissing, "a peer that did not run says why");
    }

    for (const k of ["honeywatch_sshd_lines_per_s", "fail2ban_lines_per_s"] as const) {
      assert.ok(r[k] !== null && r[k] > 0, `${k} = ${r[k]}`);
    }
    assert.ok(r.bruteforce_agreement !== null && r.bruteforce_agreement >= 0 && r.bruteforce_agreement <= 1);
    // Both sets count the same attackers under the same addresses: were the IPs written or
    // normalised differently, agreement would collapse towards 0.
    assert.ok(r.bruteforce_agreement > 0.5, `agreement ${r.bruteforce_agreement}`);
    assert.equal(
      r.honeywatch_over_fail2ban,
      Math.round((r.honeywatch_sshd_lines_per_s! / r.fail2ban_lines_per_s!) * 1000) / 1000,
    );
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
});
