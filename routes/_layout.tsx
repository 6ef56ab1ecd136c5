/** The page shell every route renders into. */
import type { ComponentChildren } from "preact";

/** Links of the top navigation: path and label. */
const NAV = [
  ["/", "Live"],
  ["/anomalies", "Anomalies"],
  ["/sensors", "Sensors"],
  ["/quality", "Quality"],
  ["/campaigns", "Campaigns"],
  ["/explore", "Explore"],
  ["/models", "Models"],
] as const;

export function Layout(
  { title, children, current }: { title: string; children: ComponentChildren; current?: string },
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title} · honeywatch</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/style.css" />
        <script type="module" src="/static/dist/client.js" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">honeywatch</a>
          <nav>
            {NAV.map(([href, text]) => (
              <a key={href} href={href} aria-current={current === href ? "page" : undefined}>{text}</a>
            ))}
          </nav>
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}
