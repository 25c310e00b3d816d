import { test as base, expect, type Page } from "@playwright/test";

type PageProblems = { consoleErrors: string[]; cspViolations: string[] };

/**
 * A `page` that records console errors and Content-Security-Policy violations. Tests assert both
 * lists are empty after visiting a page. The listener is added through Playwright's init script,
 * which runs outside the page's CSP, so a violation can't hide itself.
 */
export const test = base.extend<{ problems: PageProblems }>({
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
