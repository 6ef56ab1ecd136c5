/** Shared argument checks; private to lib/models. */

/** Throw unless `value` lies in the open interval (0, 1). */
export function checkFraction(owner: string, name: string, value: number): void {
  if (!(value > 0 && value < 1)) {
    throw new RangeError(`Cannot create ${owner}: ${name} is ${value}, must be in (0, 1)`);
  }
}

/** Throw unless `value` is an integer ≥ `min`. */
export function checkInteger(owner: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Cannot create ${owner}: ${name} is ${value}, must be an integer >= ${min}`);
  }
}

/** Throw unless `value` is a finite number > 0. */
export function checkPositive(owner: string, name: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`Cannot create ${owner}: ${name} is ${value}, must be a finite number > 0`);
  }
}

/** Encode ±Infinity (not representable in JSON) as null. */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
