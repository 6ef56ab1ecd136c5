/**
 * Sortable unique ids: 10 base-32 characters of milliseconds, then 10 random ones.
 * Ids made later sort later (within one process also within the same millisecond).
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

let lastMs = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/** A new id for the given time. @example newId(Date.now()) // "01jx4m3k2a7q9v0c1d2e" */
export function newId(ms: number): string {
  if (ms === lastMs) {
    // Same millisecond: increment the random part so ids stay ordered.
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      if (lastRandom[i] < 31) {
        lastRandom[i]++;
        break;
      }
      lastRandom[i] = 0;
    }
  } else {
    lastMs = ms;
    const bytes = crypto.getRandomValues(new Uint8Array(10));
    lastRandom = Array.from(bytes, (b) => b & 15); // top bit clear leaves room to increment
  }
  return encodeTime(ms) + lastRandom.map((d) => ALPHABET[d]).join("");
}
