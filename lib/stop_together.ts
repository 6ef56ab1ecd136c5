/**
 * A clean stop for the isolates `deno serve --parallel` runs in one process. Every isolate
 * gets SIGINT/SIGTERM; each stops its own runtime (flush, close KV), and the process exits
 * once all of them are done, because `Deno.exit` in one isolate ends the whole process and
 * would cut a sibling's flush short. The isolates learn of each other over a
 * `BroadcastChannel`, which Deno shares between the isolates of one process.
 */
import { log } from "./log.ts";

/** A sibling that does not finish its stop within this long is not waited for. */
const STOP_DEADLINE_MS = 15_000;

type Message = { up: string } | { down: string };

/**
 * On SIGINT or SIGTERM run `stop`, then exit the process once every sibling that announced
 * itself on channel `name` has stopped too.
 *
 * @example
 * stopTogether("honeywatch-serve", rt.instance, async () => { await rt.close(); kv.close(); });
 */
export function stopTogether(name: string, id: string, stop: () => Promise<void>): void {
  const channel = new BroadcastChannel(name);
  const members = new Set<string>([id]);
  const down = new Set<string>();
  let stopping = false;
  const post = (m: Message) => channel.postMessage(m);
  const maybeExit = () => {
    if (!down.has(id)) return;
    for (const m of members) if (!down.has(m)) return;
    channel.close();
    Deno.exit(0);
  };
  channel.onmessage = (e: MessageEvent<Message>) => {
    const m = e.data;
    if ("up" in m) {
      // Answer a newcomer once, so isolates that started earlier and later all know each other.
      if (!members.has(m.up)) {
        members.add(m.up);
        post({ up: id });
      }
    } else {
      members.add(m.down);
      down.add(m.down);
      maybeExit();
    }
  };
  post({ up: id });
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      log.warn("stopped without waiting for every isolate", { waited: STOP_DEADLINE_MS });
      Deno.exit(0);
    }, STOP_DEADLINE_MS);
    try {
      await stop();
    } catch (e) {
      log.error("stop failed", { error: String(e) });
    }
    down.add(id);
    post({ down: id });
    maybeExit();
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(sig, onSignal);
    } catch { /* not supported here (e.g. Windows SIGTERM) */ }
  }
}
