/** The page shell every route renders into. */
import type { ComponentChildren } from "preact";

export function Layout({ title, children }: { title: string; children: ComponentChildren }) {
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
        <header class="top">
          <a class="brand" href="/">honeywatch</a>
          <nav>
            <a href="/">Live</a>
            <a href="/api/anomalies">Anomalies (JSON)</a>
            <a href="/api/sensors">Sensors (JSON)</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
