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
