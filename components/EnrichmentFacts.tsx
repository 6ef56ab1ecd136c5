/**
 * What enrichment knows about an address (GeoIP/ASN, reputation lists, online providers'
 * answers), as a row of facts on the attacker page. Renders nothing when enrichment is off.
 */
import type { Enrichment } from "../lib/schema.ts";

/** The facts of one address's enrichment, or nothing. */
export function EnrichmentFacts({ enrichment }: { enrichment: Enrichment | undefined }) {
  if (!enrichment) return null;
  const facts: [string, string][] = [];
  const place = [enrichment.city, enrichment.country].filter(Boolean).join(", ");
  if (place) facts.push(["Location", place]);
  if (enrichment.asn !== undefined || enrichment.asOrg) {
    facts.push([
      "Network",
      [enrichment.asn !== undefined ? `AS${enrichment.asn}` : "", enrichment.asOrg ?? ""]
        .filter(Boolean).join(" "),
    ]);
  }
  facts.push(["Reputation lists", enrichment.lists?.length ? enrichment.lists.join(", ") : "none"]);
  for (const [provider, answer] of Object.entries(enrichment.providers ?? {})) {
    for (const [field, value] of Object.entries(answer)) {
      facts.push([`${provider} ${field}`, value === null ? "-" : String(value)]);
    }
  }
  return (
    <section aria-labelledby="enrichment-title">
      <h2 id="enrichment-title">Known about this address</h2>
      <dl class="facts" data-enrichment>
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
