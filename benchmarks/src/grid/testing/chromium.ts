/**
 * Headless Debian chromium through playwright-core (no browser download: `scripts/setup.sh` installs the
 * `chromium` package), started the way a CI container allows: no sandbox, no GPU, no background network
 * services, a fresh profile folder.
 */
import { chromium, type BrowserContext } from 'playwright-core';

/** The browser executable (`$CROSSEDIT_CHROMIUM`, default `/usr/bin/chromium`). */
export const CHROMIUM: string = process.env.CROSSEDIT_CHROMIUM ?? '/usr/bin/chromium';

/** Launches chromium with a fresh profile in `profileDir`; close the returned context to stop it. */
export async function launchChromium(profileDir: string, viewport = { width: 1400, height: 1000 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
