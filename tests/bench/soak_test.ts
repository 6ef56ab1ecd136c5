import assert from "node:assert/strict";
import { slope } from "../../bench/soak.ts";

Deno.test("soak slope - least-squares fit of a line, noise around it, and degenerate inputs", () => {
  assert.equal(slope([[0, 1], [10, 21], [20, 41]]), 2);
  assert.ok(Math.abs(slope([[0, 0], [1, 1.1], [2, 1.9], [3, 3.05]]) - 1) < 0.05);
  assert.equal(slope([[5, 3], [5, 9]]), 0); // one x: no slope
  assert.equal(slope([[0, 7]]), 0);
  assert.equal(slope([]), 0);
});
