/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
 * (`npx playwright install` cannot download a browser on these machines). Install it with
 *   DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
 * A missing browser is a test failure with that instruction, never a skip.
 */
import { accessSync, constants } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const CHROMIUM_INSTALL_HINT = "DEBIAN_FRONTEND=noninteractive apt-get install -y chromium";

/**
 * Flags for this machine's closed network: without the background-networking ones Chromium
 * keeps trying (and failing) to reach Google's hosts. Playwright itself adds --headless and,
 * for every launch, a new empty --user-data-dir that it deletes on close.
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Throws a clear error when Debian's Chromium is not installed. */
export function assertChromiumInstalled(path = CHROMIUM_PATH): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium is not installed at ${path}; browser tests need Debian's chromium package: ` +
        `\`${CHROMIUM_INSTALL_HINT}\` (or set CHROMIUM_PATH to a Chromium binary).`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  assertChromiumInstalled();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, timeout: 60_000 });
}
