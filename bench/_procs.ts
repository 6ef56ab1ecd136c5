/** Real server and collector processes for the end-to-end benchmark. */

const ROOT = new URL("../", import.meta.url).pathname;

export interface Proc {
  child: Deno.ChildProcess;
  stop(): Promise<void>;
}

export interface ServerProc extends Proc {
  url: string;
  wsUrl: string;
}

/** Start `main.ts` on a free port; resolves once it is listening. */
export async function startServerProc(
  kvPath: string,
  token: string,
  extra: string[] = [],
): Promise<ServerProc> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}main.ts`,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--kv",
      kvPath,
      "--ingest-token",
      token,
      "--log-level",
      "warn",
      ...extra,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("server exited before listening");
    buf += value;
    const m = /listening on (http:\/\/[^/\s]+)\//.exec(buf);
    if (m) {
      // Keep draining stdout so the child never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })().catch(() => {});
      return {
        child,
        url: m[1],
        wsUrl: m[1].replace(/^http/, "ws"),
        stop: () => stop(child),
      };
    }
  }
}

/** Start the collector on `files`. */
export function startCollectorProc(
  wsUrl: string,
  token: string,
  sensor: string,
  stateDir: string,
  files: string[],
  extra: string[] = [],
): Proc {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}collector/main.ts`,
      "--server",
      `${wsUrl}/ingest`,
      "--token",
      token,
      "--sensor",
      sensor,
      "--state-dir",
      stateDir,
      "--log-level",
      "warn",
      ...extra,
      ...files,
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  return { child, stop: () => stop(child) };
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  const t = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 5000);
  await child.status;
  clearTimeout(t);
}

/** The value of an unlabelled series in the server's `/metrics`, NaN when absent. */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Live subscribers that never read a byte. */
export interface Stalled {
  count: number;
  close(): void;
}

/**
 * Open `n` live subscribers that send their request over raw TCP and never read: every other
 * one `GET /api/stream` (SSE), the rest `GET /api/subscribe` (WebSocket). Resolves once the
 * server counts them.
 */
export async function stallSubscribers(url: string, n: number): Promise<Stalled> {
  const { hostname, port } = new URL(url);
  const enc = new TextEncoder();
  const conns: Deno.TcpConn[] = [];
  const close = () => {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  };
  try {
    for (let i = 0; i < n; i++) {
      const conn = await Deno.connect({ hostname, port: Number(port) });
      conns.push(conn);
      const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
      const req = i % 2 === 0
        ? `GET /api/stream HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`
        : `GET /api/subscribe HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
      const bytes = enc.encode(req);
      for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    }
    for (let tries = 0; !((await metric(url, "honeywatch_hub_subscribers")) >= n); tries++) {
      if (tries > 300) throw new Error(`the server did not count ${n} subscribers`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    close();
    throw e;
  }
  return { count: n, close };
}
