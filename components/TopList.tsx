/** A server-rendered top-N list (values are attacker strings: rendered as text only). */
import { formatCount } from "../lib/format.ts";

export interface TopListProps {
  title: string;
  field: string;
  items: { value: string; count: number }[];
  /** Link each value (source IPs go to their attacker page). */
  href?: (value: string) => string;
}

export function TopList({ title, field, items, href }: TopListProps) {
  const max = items[0]?.count ?? 0;
  return (
    <section class="card top-list" data-top={field} aria-label={title}>
      <h3>{title}</h3>
      {items.length === 0 ? <p class="empty">None in this range.</p> : (
        <ol>
          {items.map((it) => (
            <li key={it.value}>
              {it.value === ""
                // An empty password or command is a real value; in italics, outside <code>, so no
                // attacker string can pass for it.
                ? <em class="val muted">empty</em>
                : href
                ? <a class="val" href={href(it.value)}>{it.value}</a>
                : <code class="val">{it.value}</code>}
              <span class="count">{formatCount(it.count)}</span>
              <progress max={max} value={it.count} aria-hidden="true" />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
