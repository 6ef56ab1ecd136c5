/** Launch Debian's Chromium through playwright-core for browser tests. */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = Deno.env.get("HONEYWATCH_CHROMIUM") ?? "/usr/bin/chromium";

/** Is the browser installed? Browser tests skip, saying so, when it is not. */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Where screenshots go for a reviewer (git-ignored). */
export async function screenshotPath(name: string): Promise<string> {
  const dir = new URL("../../test-results/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  return new URL(`${name}.png`, dir).pathname;
}
