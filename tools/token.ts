/**
 * Per-sensor ingest tokens from a shell on the server host, on the same KV as the server:
 *
 *   deno task token add vm1        # prints the token once; only its SHA-256 is stored
 *   deno task token revoke vm1
 *   deno task token list
 *   deno task token hash           # reads a token on stdin, prints its SHA-256 (for sensorTokens)
 *
 * `--kv PATH` / HONEYWATCH_KV select the store, as for the server.
 */
import { parseArgs } from "node:util";
import {
  issueSensorToken,
  listSensorTokens,
  revokeSensorToken,
  sha256Hex,
  tokenView,
} from "../lib/access/mod.ts";
import { announce, log } from "../lib/log.ts";
import { SensorName } from "../lib/schema.ts";

const USAGE = "Usage: deno task token [--kv PATH] add SENSOR | revoke SENSOR | list | hash";

export async function tokenCli(
  args: string[],
  env: Record<string, string | undefined>,
  print: (line: string) => void = announce,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { kv: { type: "string" } },
    allowPositionals: true,
  });
  const [cmd, name] = positionals;
  if (cmd === "hash") {
    const text = (await new Response(Deno.stdin.readable).text()).trim();
    print(await sha256Hex(text));
    return 0;
  }
  if (!["add", "revoke", "list"].includes(cmd ?? "") || (cmd !== "list" && !name)) {
    log.error(USAGE);
    return 2;
  }
  if (name !== undefined && !SensorName.safeParse(name).success) {
    log.error(`Sensor name ${JSON.stringify(name)} must be letters, digits, '.', '_', ':' and '-'`);
    return 2;
  }
  const path = values.kv ?? env.HONEYWATCH_KV ??
    (env.DENO_DEPLOYMENT_ID ? undefined : "./data/honeywatch.kv");
  const kv = await Deno.openKv(path);
  try {
    const now = Date.now();
    if (cmd === "add") {
      const token = await issueSensorToken(kv, name!, now);
      print(`token for sensor "${name}" (shown once; store it in the collector's config):\n${token}`);
    } else if (cmd === "revoke") {
      if (!(await revokeSensorToken(kv, name!, now))) {
        log.error(`Sensor "${name}" has no token`);
        return 1;
      }
      print(`revoked the token of sensor "${name}"`);
    } else {
      for (const r of await listSensorTokens(kv)) {
        const v = tokenView(r, "kv");
        print(`${v.sensor}\t${v.revoked ? `revoked ${v.revokedAt}` : "active"}\tcreated ${v.created}`);
      }
    }
    return 0;
  } finally {
    kv.close();
  }
}

if (import.meta.main) Deno.exit(await tokenCli(Deno.args, Deno.env.toObject()));
