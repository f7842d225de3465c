// The browser tests' chromium (scripts/web/chromium.ts) and a page's log for a failing test's message.
import type { Page } from "playwright-core";

export { CHROMIUM, launchChromium } from "../../scripts/web/chromium.js";

/** The page's console and errors, for a failing test's message. */
export function pageLog(page: Page): string[] {
  const lines: string[] = [];
  page.on("console", (m) => lines.push(`console.${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`));
  return lines;
}
