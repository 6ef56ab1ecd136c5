import assert from "node:assert/strict";
import { OPTIONS, USAGE } from "../../lib/config.ts";

const doc = Deno.readTextFileSync(new URL("../../docs/configuration.md", import.meta.url));
const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));

Deno.test("docs/configuration.md - documents every option of --help with its environment variable", () => {
  const lines = USAGE.split("\n").filter((l) => /^\s+--[a-z]/.test(l) && !l.includes("--help"));
  assert.ok(lines.length > 20);
  for (const line of lines) {
    const flag = /--([a-z-]+)/.exec(line)![1];
    assert.ok(doc.includes(`\`--${flag}`), `--${flag} is not in docs/configuration.md`);
    const env = /env (PORT|HONEYWATCH_[A-Z_]+)/.exec(line)?.[1];
    if (env) assert.ok(doc.includes(`\`${env}`), `${env} is not in docs/configuration.md`);
  }
});

Deno.test("README - links the configuration reference", () => {
  assert.ok(readme.includes("docs/configuration.md"));
});

Deno.test("config - every option has an environment variable (Deno Deploy passes no flags), documented", () => {
  for (const [flag, o] of Object.entries(OPTIONS)) {
    if (flag === "help") continue;
    assert.ok(o.env !== "", `--${flag} has no environment variable`);
    assert.ok(doc.includes(`\`${o.env}`), `${o.env} (--${flag}) is not in docs/configuration.md`);
    assert.ok(doc.includes(`\`--${flag}`), `--${flag} is not in docs/configuration.md`);
  }
});
