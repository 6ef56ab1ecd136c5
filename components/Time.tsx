/**
 * A time: UTC on the server; in the viewer's zone once in the browser (an effect, so the
 * hydrated text matches the server's first). The title always holds the UTC time.
 */
import { useEffect, useState } from "preact/hooks";
import { formatLocal, formatServer, formatUtc, type TimeStyle } from "../lib/format.ts";

export function Time({ iso, style = "datetime" }: { iso: string; style?: TimeStyle }) {
  const [local, setLocal] = useState(false);
  useEffect(() => setLocal(true), []);
  return (
    <time dateTime={iso} title={formatUtc(iso)} data-style={style}>
      {local ? formatLocal(iso, style) : formatServer(iso, style)}
    </time>
  );
}
