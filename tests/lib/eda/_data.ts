/** Generated Cowrie lines for the EDA tests (seeded, so every run sees the same data). */
import { generateCowrie } from "../../../collector/generate.ts";

export const GEN_START = Date.parse("2026-11-25T08:00:00Z");

/** `n` Cowrie JSON lines at 20 events/s from seed 7 (brute force, scans, downloads among them). */
export function generatedLines(n: number): string[] {
  const out: string[] = [];
  for (const { record } of generateCowrie({ seed: 7, start: GEN_START, rate: 20 })) {
    out.push(JSON.stringify(record));
    if (out.length >= n) break;
  }
  return out;
}

/** Real Cowrie logs shared with the project, when present. */
export const REAL_DIR = new URL("../../../../shared/data/cowrie/", import.meta.url).pathname;
export function realFile(name: string): string | null {
  try {
    return Deno.statSync(REAL_DIR + name).isFile ? REAL_DIR + name : null;
  } catch {
    return null;
  }
}
