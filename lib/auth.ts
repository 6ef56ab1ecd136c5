/** Token checks for ingest. */

const enc = new TextEncoder();

/** Compare two secrets in time independent of where they differ (both are hashed first). */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given)),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/** The token of an `Authorization: Bearer T` header, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/**
 * Requests that authenticate with an ingest token themselves (collectors), so the API roles and
 * the UI login leave them alone: the uplink, HTTP ingest and TTY log uploads.
 */
export function checksIngestToken(method: string, path: string): boolean {
  return path === "/ingest" || path === "/api/ingest" ||
    (method === "PUT" && path.startsWith("/api/ttylogs/"));
}
