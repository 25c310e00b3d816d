import { randomBytes } from "node:crypto";
import { defineConfig, devices } from "@playwright/test";
import {
  appPort,
  fakeStripePort,
  fakeStripeUrl,
  mailCatcherUrl,
  sentryDsn,
  sentrySinkPort,
  sentrySinkUrl,
  smtpPort,
} from "./tests/e2e/ports";
import { billingEnv } from "./tests/support/stripe-events";

// The e2e suite drives Debian's chromium (apt-get install chromium) against a production build.
// Playwright never downloads a browser here; `npx playwright install` is not needed.

// Production refuses the public development secrets: fresh ones for each run. The encryption key is
// made once, in the runner process (the config is evaluated again in each worker, which inherits
// the environment), so specs that prepare data with it (an encrypted MFA secret) use the app's key.
process.env.E2E_AUTH_ENCRYPTION_KEYS ??= `e2e:${randomBytes(32).toString("base64")}`;
process.env.E2E_AUDIT_PSEUDONYM_KEY ??= randomBytes(32).toString("base64");

// CI builds once in its own step, then sets E2E_USE_EXISTING_BUILD=1.
const build = process.env.E2E_USE_EXISTING_BUILD === "1" ? "" : "npx next build && ";

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${appPort}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [
    {
      command: `npx tsx tests/support/sentry-sink.ts ${sentrySinkPort}`,
      url: `${sentrySinkUrl}/`,
      reuseExistingServer: false,
    },
    {
      command: `npx tsx tests/support/smtp-catcher.ts ${smtpPort} ${new URL(mailCatcherUrl).port}`,
      url: `${mailCatcherUrl}/`,
      reuseExistingServer: false,
    },
    {
      command: `npx tsx tests/support/fake-stripe.ts ${fakeStripePort}`,
      url: `${fakeStripeUrl}/`,
      reuseExistingServer: false,
    },
    {
      command: `${build}npx tsx --conditions=react-server tests/e2e/serve-app.ts`,
      url: `http://127.0.0.1:${appPort}/api/health`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: {
        E2E_PORT: String(appPort),
        SENTRY_DSN: sentryDsn,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        // One app instance: in-memory rate limits are enough, so the suite needs no Redis.
        RATE_LIMIT_ALLOW_MEMORY: "true",
        // As behind one proxy: every test's browser sends its own X-Forwarded-For (the fixtures in
        // tests/e2e/fixtures.ts), so per-IP limits such as sign-in's 20 per 15 minutes don't carry
        // over between tests. The Sentry sink's CORS answer allows that header for the same reason.
        TRUSTED_PROXY_COUNT: "1",
        AUTH_SECRET: randomBytes(32).toString("base64"),
        AUTH_ENCRYPTION_KEYS: process.env.E2E_AUTH_ENCRYPTION_KEYS,
        AUDIT_PSEUDONYM_KEY: process.env.E2E_AUDIT_PSEUDONYM_KEY,
        // Inlined into the browser bundle by `next build`; CI's own build step sets the same value.
        NEXT_PUBLIC_SENTRY_DSN: sentryDsn,
        ENABLE_TEST_ROUTES: "true",
        // Billing on, with Stripe's API answered by the fake (allowed only with a test key and
        // ENABLE_TEST_ROUTES) and webhooks signed with the suite's secret.
        ...billingEnv(fakeStripeUrl),
        ALLOW_TEST_KEYS_IN_PRODUCTION: "true",
        APP_URL: `http://127.0.0.1:${appPort}`,
        LOG_FORMAT: "json",
        NEXT_TELEMETRY_DISABLED: "1",
      },
    },
  ],
});
