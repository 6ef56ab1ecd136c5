import assert from "node:assert/strict";
import { MinHash } from "../../../lib/campaigns/minhash.ts";

function sigOf(mh: MinHash, items: string[]): Uint32Array {
  const s = mh.empty();
  for (const i of items) mh.add(s, i);
  return s;
}

Deno.test("MinHash - estimates Jaccard similarity within sampling error", () => {
  const mh = new MinHash(256);
  const a = Array.from({ length: 60 }, (_, i) => `user${i}:pw${i}`);
  const b = [...a.slice(0, 30), ...Array.from({ length: 30 }, (_, i) => `other${i}:x${i}`)];
  // True Jaccard: 30 shared of 90 distinct = 1/3.
  const est = mh.similarity(sigOf(mh, a), sigOf(mh, b));
  assert.ok(Math.abs(est - 1 / 3) < 0.1, `estimate ${est}`);
  assert.equal(mh.similarity(sigOf(mh, a), sigOf(mh, [...a].reverse())), 1);
  assert.equal(mh.similarity(sigOf(mh, ["x:y"]), sigOf(mh, ["p:q"])), 0);
});

Deno.test("MinHash - add reports whether the signature changed", () => {
  const mh = new MinHash(16);
  const s = mh.empty();
  assert.equal(mh.add(s, "root:root"), true);
  assert.equal(mh.add(s, "root:root"), false);
});

Deno.test("MinHash - identical sets share every band key, disjoint ones none", () => {
  const mh = new MinHash(64);
  const a = sigOf(mh, ["a:1", "b:2", "c:3"]);
  const b = sigOf(mh, ["c:3", "b:2", "a:1"]);
  const c = sigOf(mh, ["x:1", "y:2", "z:3"]);
  assert.deepEqual(mh.bandKeys(a, 32), mh.bandKeys(b, 32));
  const ka = new Set(mh.bandKeys(a, 32));
  assert.equal(mh.bandKeys(c, 32).filter((k) => ka.has(k)).length, 0);
  assert.throws(() => new MinHash(0), /k is 0/);
});
