/**
 * The random source the models draw from, plus the two derived draws River
 * makes through CPython's `random` module. The arithmetic mirrors CPython's
 * `Random.uniform` and `Random.choices` exactly, so any source that returns
 * CPython's `random()` sequence rebuilds River's trees bit for bit.
 */

/** A source of uniform doubles in [0, 1). */
export interface Rng {
  /** Next uniform double in [0, 1). */
  random(): number;
}

/** CPython `Random.uniform(a, b)`: `a + (b - a) * random()`. */
export function uniform(rng: Rng, a: number, b: number): number {
  return a + (b - a) * rng.random();
}

/**
 * CPython `Random.choices(range(n), weights)[0]`: one draw, bisect-right on the
 * running sum of the weights (summed left to right, as `itertools.accumulate`).
 */
export function weightedIndex(rng: Rng, weights: readonly number[]): number {
  const n = weights.length;
  if (n === 0) throw new RangeError("Cannot choose from no weights: weights is empty");
  const cumulative = new Array<number>(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cumulative[i] = sum += weights[i];
  const total = cumulative[n - 1];
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new RangeError(`Cannot choose with weights: total is ${total}, must be finite and > 0`);
  }
  const target = rng.random() * total;
  // bisect_right(cumulative, target, 0, n - 1)
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (target < cumulative[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
