// Client JavaScript per page (issue 18's first three rows): in Debian's chromium, the gzip size of
// every script each page loads by its load event (tests/support/page-weight.ts), for the landing,
// pricing and sign-in pages and the demo owner's organization dashboard, against each page's budget
// (the same budgets tests/e2e/page-weight.spec.ts holds in CI).
//
// Run against a production build: `npx next build`, then
//   npx tsx bench/page-weight.ts
// It starts the build the way the e2e suite does (tests/e2e/serve-app.ts: a fresh database with the
// demo data, then `next start`) on BENCH_PORT (default 3440), with no Sentry DSN, as a fresh clone
// runs. The database is a new `shipshape_e2e_<port>` on TEST_DATABASE_URL's server when that is set,
// an embedded PostgreSQL otherwise. Or point BENCH_URL at a server already running the demo data.
// Prints a table and each page's scripts; asserts nothing (the e2e spec does).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chromium } from "@playwright/test";
import { DEMO_PASSWORD } from "../prisma/demo-data";
import { kB, measurePageWeight, PAGE_BUDGETS, type PageWeight } from "../tests/support/page-weight";

const port = Number(process.env.BENCH_PORT ?? 3440);
const baseURL = process.env.BENCH_URL ?? `http://127.0.0.1:${port}`;

async function startApp(): Promise<ChildProcess> {
  const app = spawn(
    process.execPath,
    ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "tests/e2e/serve-app.ts"],
    {
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
      env: {
        ...process.env,
        E2E_PORT: String(port),
        APP_URL: baseURL,
        AUTH_SECRET: randomBytes(32).toString("base64"),
        AUTH_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString("base64")}`,
        RATE_LIMIT_ALLOW_MEMORY: "true",
        TRUSTED_PROXY_COUNT: "0",
        // Required in production; nothing here sends mail that must arrive (a closed port of the range).
        SMTP_URL: `smtp://127.0.0.1:${port + 1}`,
        SENTRY_DSN: "",
        NEXT_PUBLIC_SENTRY_DSN: "",
        LOG_LEVEL: "warn",
        NEXT_TELEMETRY_DISABLED: "1",
      },
    },
  );
  for (let attempt = 0; attempt < 240; attempt++) {
    if (app.exitCode !== null) throw new Error(`the app exited with code ${app.exitCode}`);
    const ready = await fetch(`${baseURL}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return app;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`the app did not answer ${baseURL}/api/health within 4 minutes`);
}

const app = process.env.BENCH_URL ? undefined : await startApp();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
try {
  const results: { name: string; budget: number; weight: PageWeight }[] = [];
  for (const target of PAGE_BUDGETS) {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    if ("signedIn" in target) {
      await page.goto("/sign-in");
      await page.getByLabel("Email").fill("owner@example.com");
      await page.getByLabel("Password").fill(DEMO_PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL(/\/account$/, { timeout: 30_000 });
    }
    results.push({
      name: target.name,
      budget: target.gzipBudget,
      weight: await measurePageWeight(page, target.path),
    });
    await context.close();
  }
  console.log(`Client JS by the load event, ${baseURL} (${new Date().toISOString().slice(0, 10)})\n`);
  console.log("| page | scripts | raw | gzip | budget | gzip / budget |");
  console.log("|---|---|---|---|---|---|");
  for (const { name, budget, weight } of results) {
    console.log(
      `| ${name} (${weight.path}) | ${weight.scripts.length} | ${kB(weight.bytes)} | ${kB(weight.gzipBytes)} | ${kB(budget)} | ${(weight.gzipBytes / budget).toFixed(2)} |`,
    );
  }
  for (const { name, weight } of results) {
    console.log(`\n${name}:`);
    for (const script of [...weight.scripts].sort((a, b) => b.gzipBytes - a.gzipBytes)) {
      console.log(`  ${kB(script.gzipBytes).padStart(9)}  ${new URL(script.url).pathname}`);
    }
  }
} finally {
  await browser.close();
  if (app?.pid) process.kill(-app.pid, "SIGTERM");
}
