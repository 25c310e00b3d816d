// The client-JS budget (issue 18): each page's scripts by its load event, gzip bytes, measured in
// chromium as bench/page-weight.ts measures them. A page over its budget fails the suite, so the
// gains can't quietly erode; raise a budget only with a reason in bench/README.md.
// The e2e build has a Sentry DSN (the error-reporting specs need one): the SDK must still arrive
// only after the load event, so the budgets hold for deployments with error reporting on.
import { kB, measurePageWeight, PAGE_BUDGETS } from "../support/page-weight";
import { expect, signIn, test } from "./fixtures";

test.describe("client JS budget", () => {
  for (const target of PAGE_BUDGETS) {
    test(`${target.name} (${target.path}) loads at most ${kB(target.gzipBudget)} of gzip JS by its load event`, async ({
      page,
      problems,
    }) => {
      if ("signedIn" in target) await signIn(page, "owner@example.com");
      const weight = await measurePageWeight(page, target.path);
      const list = weight.scripts.map((s) => `${kB(s.gzipBytes)} ${new URL(s.url).pathname}`).join("\n");
      expect(weight.gzipBytes, `scripts by the load event:\n${list}`).toBeLessThanOrEqual(target.gzipBudget);
      expect(weight.scripts.length).toBeGreaterThan(0);
      // Error reporting waits for the load event: no Sentry SDK among the scripts counted.
      for (const script of weight.scripts) {
        const body = await (await page.context().request.get(script.url)).text();
        expect(body, `${script.url} holds the Sentry SDK`).not.toContain("__SENTRY__");
      }
      expect(problems.cspViolations).toEqual([]);
    });
  }

  test("the auth pages share their client code: no next-auth/react on any of them", async ({ page }) => {
    // next-auth/react's client announces session changes to other tabs under this storage key.
    for (const path of ["/sign-in", "/sign-up", "/forgot-password"]) {
      const weight = await measurePageWeight(page, path);
      for (const script of weight.scripts) {
        const body = await (await page.context().request.get(script.url)).text();
        expect(body, `${path} loads next-auth/react in ${script.url}`).not.toContain("nextauth.message");
      }
    }
  });
});
