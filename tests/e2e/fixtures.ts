import { randomInt } from "node:crypto";
import { test as base, expect, type Page } from "@playwright/test";

type PageProblems = { consoleErrors: string[]; cspViolations: string[] };

/** A client address from the benchmarking range 198.18.0.0/15, different for each call. */
export const freshClientIp = () => `198.${18 + randomInt(2)}.${randomInt(256)}.${randomInt(1, 255)}`;

/**
 * A `page` that records console errors and Content-Security-Policy violations. Tests assert both
 * lists are empty after visiting a page. The listener is added through Playwright's init script,
 * which runs outside the page's CSP, so a violation can't hide itself.
 *
 * Each test's browser (and `request`) also sends its own X-Forwarded-For, which the e2e server
 * trusts (TRUSTED_PROXY_COUNT=1, as behind one proxy): per-IP limits such as sign-in's 20 per
 * 15 minutes start afresh in every test instead of filling up across the suite. A context a test
 * opens itself (`browser.newContext()`) gets one only if it passes `extraHTTPHeaders`.
 */
export const test = base.extend<{ problems: PageProblems }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as the first argument.
  extraHTTPHeaders: async ({}, use) => {
    await use({ "x-forwarded-for": freshClientIp() });
  },
  problems: async ({ page }, use) => {
    const problems: PageProblems = { consoleErrors: [], cspViolations: [] };
    page.on("console", (message) => {
      if (message.type() === "error") problems.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => problems.consoleErrors.push(error.message));
    await page.exposeFunction("__reportCspViolation", (text: string) => problems.cspViolations.push(text));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        (window as unknown as { __reportCspViolation: (t: string) => void }).__reportCspViolation(
          `${event.violatedDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`,
        );
      });
    });
    await use(problems);
  },
});

/** Visits `path`, waits for the page to settle, and returns the main response. */
export async function visit(page: Page, path: string) {
  const response = await page.goto(path, { waitUntil: "networkidle" });
  if (!response) throw new Error(`no response for ${path}`);
  return response;
}

export { expect };
