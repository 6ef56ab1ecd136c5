import assert from "node:assert/strict";
import { USAGE } from "../../lib/config.ts";

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
