import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { type Browser, test as base, expect, type Page } from "@playwright/test";
import { DEMO_PASSWORD } from "../../prisma/demo-data";
import { appPort } from "./ports";

type PageProblems = { consoleErrors: string[]; cspViolations: string[] };

/** An address in 198.18.0.0/15 (benchmarking range, never routed): one per test. */
export const freshClientIp = () => `198.${18 + randomInt(2)}.${randomInt(256)}.${randomInt(1, 255)}`;

/**
 * Every test's browser sends its own X-Forwarded-For (the e2e server trusts one proxy), so each
 * test starts with fresh per-IP limits (sign-in, sign-up, reset), as separate people would.
 * Without it every spec shares one "unknown client" bucket and the suite trips sign-in-ip.
 *
 * Also a `page` that records console errors and Content-Security-Policy violations. Tests assert both
 * lists are empty after visiting a page. The listener is added through Playwright's init script,
 * which runs outside the page's CSP, so a violation can't hide itself.
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

/**
 * tests/support/services.ts's rule for e2e suites: call it in a `test.describe` body. When `missing`,
 * the suite skips with `reason` printed, except under REQUIRE_SERVICES=1 (CI), where it fails: a
 * suite CI never runs is a defect.
 */
export function skipWithout(missing: boolean, reason: string): void {
  if (!missing) return;
  if (process.env.REQUIRE_SERVICES === "1") {
    throw new Error(`REQUIRE_SERVICES=1 but this suite can't run: it ${reason}.`);
  }
  test.skip(true, reason);
}

/** Fills in and submits the sign-in form (the demo accounts' password unless given); doesn't wait. */
export async function submitSignIn(page: Page, email: string, password: string = DEMO_PASSWORD) {
  await visit(page, "/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/**
 * Signs in and waits for the account page. The first sign-in of a run meets a cold server (argon2,
 * first database connections) and form posts render on the server: allow it 20 s.
 */
export async function signIn(page: Page, email: string, password: string = DEMO_PASSWORD) {
  await submitSignIn(page, email, password);
  await expect(page).toHaveURL(/\/account$/, { timeout: 20_000 });
}

/**
 * A new browser context (a second person or device, with cookies and a client address of its own),
 * signed in as `email`. Close it with `page.context().close()`.
 */
export async function signedInPage(
  browser: Browser,
  email: string,
  password: string = DEMO_PASSWORD,
): Promise<Page> {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": freshClientIp() } });
  const page = await context.newPage();
  await signIn(page, email, password);
  return page;
}

/** Visits `path`, waits for the page to settle, and returns the main response. */
export async function visit(page: Page, path: string) {
  const response = await page.goto(path, { waitUntil: "networkidle" });
  if (!response) throw new Error(`no response for ${path}`);
  return response;
}

/** The e2e app's database (serve-app.ts makes `shipshape_e2e_<port>` on this server), or null when embedded. */
export function e2eDatabaseUrl(): string | null {
  const server = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!server) return null;
  const url = new URL(server);
  url.pathname = `/shipshape_e2e_${appPort}`;
  return url.toString();
}

/**
 * Runs a setup script that makes a spec's accounts through lib functions in the e2e app's database
 * (with the app's encryption keys, so TOTP secrets it stores are readable by the app), and returns
 * the JSON object it prints last.
 */
export function runSetupScript<T>(script: string, databaseUrl: string): T {
  const output = execFileSync("npx", ["tsx", "--conditions=react-server", script], {
    encoding: "utf8",
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      AUTH_ENCRYPTION_KEYS: process.env.E2E_AUTH_ENCRYPTION_KEYS,
      AUDIT_PSEUDONYM_KEY: process.env.E2E_AUDIT_PSEUDONYM_KEY,
      LOG_LEVEL: "error",
    },
  });
  const line = output
    .split("\n")
    .reverse()
    .find((text) => text.startsWith("{"));
  if (!line) throw new Error(`${script} printed no JSON:\n${output}`);
  return JSON.parse(line) as T;
}

export { expect };
