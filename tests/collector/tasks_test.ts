/**
 * The collector tools as the docs and the issue write them: through `deno task NAME -- FLAGS`,
 * where deno task passes the `--` on to the program.
 */
import assert from "node:assert/strict";
import { spawn } from "./_procs.ts";

Deno.test("deno task collector/replay/build:collector -- FLAGS: the flags after -- are read", async () => {
  const cases: [string[], number, RegExp][] = [
    [["collector", "--", "--help"], 0, /--server URL/],
    // A flag is read as a flag, not as a file name.
    [["collector", "--", "--token", "t", "--sensor", "vm1", "a.json"], 2, /--server is required/],
    [["replay", "--", "--help"], 0, /--labels-out FILE/],
    [["replay", "--", "--generate", "--inject", "ddos", "--out", "x"], 2, /"ddos": each must be one of/],
    [["build:collector", "--", "--target", "mips"], 2, /--target: "mips" must be x86_64, aarch64 or all/],
  ];
  for (const [args, code, re] of cases) {
    const p = spawn(args[0], ["task", "--quiet", ...args]);
    const s = await p.exitWithin(60_000);
    assert.equal(s.code, code, `deno task ${args.join(" ")}\n${p.output}`);
    assert.match(p.output, re, args.join(" "));
  }
});
