import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { makeTempDir } from "../support/temp-dirs.js";
import { PATIENCE_MS } from "../support/wait.js";

/** Debian's Chromium (`apt-get install chromium`); no browser is downloaded. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where every run writes its screenshots (ignored by git; README names it). */
export const SCREENSHOTS = fileURLToPath(new URL("../screenshots/", import.meta.url));

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A headless Chromium with a fresh profile in a temp folder. Fails (never skips) when Chromium is
 * not installed, so a machine without it shows a failing test, not a green run that checked nothing.
 */
export async function launchBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  }
  const context = await chromium.launchPersistentContext(makeTempDir("console-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
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
    viewport: DESKTOP,
    timeout: PATIENCE_MS,
  });
  context.setDefaultTimeout(PATIENCE_MS);
  context.setDefaultNavigationTimeout(PATIENCE_MS);
  return context;
}

/** Saves the page as `<name>-desktop.png` and `<name>-phone.png`, and leaves it at desktop width. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const [width, size] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}
