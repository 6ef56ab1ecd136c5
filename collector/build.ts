/**
 * Builds the collector as single executables (`deno compile`) for x86_64 and aarch64 Linux,
 * with least-privilege permissions baked in: read only the log folders, write only the state
 * folder, connect only to the server, read only the token variable.
 *
 *   deno task build:collector -- --read /var/log/cowrie --state /var/lib/honeywatch-collector \
 *     --net honeywatch.example.org:8000 [--target x86_64|aarch64|all] [--out dist]
 *
 * `deno compile` fetches the matching `denort` runtime from dl.deno.land on first use (or takes
 * the file named by DENORT_BIN); a machine that cannot reach it cannot build.
 */
import { parseArgs } from "node:util";
import { log } from "../lib/log.ts";

const TARGETS = {
  x86_64: "x86_64-unknown-linux-gnu",
  aarch64: "aarch64-unknown-linux-gnu",
} as const;

export interface BuildOptions {
  read: string[];
  state: string;
  net: string | null;
  targets: (keyof typeof TARGETS)[];
  out: string;
}

/** The `deno compile` argument lists for the options (one per target). */
export function compileArgs(o: BuildOptions): { target: string; output: string; args: string[] }[] {
  const entry = new URL("./main.ts", import.meta.url).pathname;
  return o.targets.map((t) => {
    const output = `${o.out}/honeywatch-collector-${t}`;
    return {
      target: TARGETS[t],
      output,
      args: [
        "compile",
        "--no-prompt",
        `--allow-read=${[...o.read, o.state].join(",")}`,
        `--allow-write=${o.state}`,
        o.net ? `--allow-net=${o.net}` : "--allow-net",
        "--allow-env=HONEYWATCH_TOKEN",
        "--target",
        TARGETS[t],
        "--output",
        output,
        entry,
      ],
    };
  });
}

/** Parse the build command line. */
export function parseBuildArgs(args: string[]): BuildOptions {
  const { values } = parseArgs({
    args,
    options: {
      read: { type: "string", multiple: true },
      state: { type: "string" },
      net: { type: "string" },
      target: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const target = values.target ?? "all";
  if (target !== "all" && !(target in TARGETS)) {
    throw new Error(`Invalid --target: ${JSON.stringify(target)} must be x86_64, aarch64 or all`);
  }
  return {
    read: values.read?.length
      ? values.read
      : ["/var/log/cowrie", "/home/cowrie/cowrie/var/log/cowrie", "/var/log"],
    state: values.state ?? "/var/lib/honeywatch-collector",
    net: values.net ?? null,
    targets: target === "all" ? ["x86_64", "aarch64"] : [target as keyof typeof TARGETS],
    out: values.out ?? "dist",
  };
}

if (import.meta.main) {
  let o: BuildOptions;
  try {
    // `deno task build:collector -- --read ...` passes the `--` through.
    o = parseBuildArgs(Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args);
  } catch (e) {
    log.error((e as Error).message);
    Deno.exit(2);
  }
  for (const { target, output, args } of compileArgs(o)) {
    log.info("compiling collector", { target, output });
    const r = await new Deno.Command(Deno.execPath(), { args, stdout: "inherit", stderr: "inherit" })
      .output();
    if (!r.success) {
      log.error("deno compile failed (it needs dl.deno.land for the denort runtime, or DENORT_BIN)", {
        target,
      });
      Deno.exit(1);
    }
  }
}
