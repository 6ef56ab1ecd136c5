/** Secrets: generation, SHA-256 fingerprints and comparison in constant time. */

const enc = new TextEncoder();

/** Lower-case hex SHA-256 of a string. */
export async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(s)));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compare two equal-length hex digests without an early exit (time does not depend on where they differ). */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A new random token: `hw_` and 32 random bytes in base64url (256 bits). */
export function newToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return "hw_" + btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
