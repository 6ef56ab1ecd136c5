/** A local HTTP server that answers like AbuseIPDB v2 `/check` and GreyNoise Community, for tests. */

export interface FakeProviders {
  url: string;
  /** Requests received, as `provider ip key`. */
  hits: string[];
  close(): Promise<void>;
}

export function startFakeProviders(): Promise<FakeProviders> {
  const hits: string[] = [];
  const ac = new AbortController();
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: ({ port }) => resolve(port) },
    (req) => {
      const u = new URL(req.url);
      const key = req.headers.get("key") ?? "";
      if (u.pathname === "/abuseipdb/check") {
        const ip = u.searchParams.get("ipAddress") ?? "";
        hits.push(`abuseipdb ${ip} ${key}`);
        if (key !== "abuse-key") return Response.json({ errors: [{ detail: "bad key" }] }, { status: 401 });
        if (ip === "203.0.113.66") return new Response("overloaded", { status: 503 });
        return Response.json({
          data: {
            ipAddress: ip,
            abuseConfidenceScore: 100,
            totalReports: 1234,
            countryCode: "NL",
            isp: "Example Hosting <script>",
            usageType: "Data Center/Web Hosting/Transit",
            isTor: false,
            lastReportedAt: "2026-11-25T09:00:00+00:00",
            reports: [{ comment: "a large field that is not kept" }],
          },
        });
      }
      if (u.pathname.startsWith("/greynoise/")) {
        const ip = decodeURIComponent(u.pathname.slice("/greynoise/".length));
        hits.push(`greynoise ${ip} ${key}`);
        if (ip === "198.51.100.1") return Response.json({ message: "IP not observed" }, { status: 404 });
        return Response.json({
          ip,
          noise: true,
          riot: false,
          classification: "malicious",
          name: "unknown",
          link: `https://viz.greynoise.io/ip/${ip}`,
          last_seen: "2026-11-24",
        });
      }
      return new Response("not found", { status: 404 });
    },
  );
  return promise.then((port) => ({
    url: `http://127.0.0.1:${port}`,
    hits,
    async close() {
      ac.abort();
      await server.finished;
    },
  }));
}
