// Every endpoint is wrapped and declares its auth level, its permission (member endpoints), its
// rate-limit policy (or an exemption with a reason) and its input schema; the sensitive ones declare
// step-up. A new route.ts export or
// server action that skips the wrapper fails here, whoever wrote it; so does a page outside the
// listed public areas that calls no page gate.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PUBLIC_PAGE_AREAS, PUBLIC_PAGES, scanEndpoints, scanPages } from "@/tools/route-coverage";

const problemsOf = async (root?: string) =>
  (await scanEndpoints(root))
    .filter((endpoint) => endpoint.problem !== null)
    .map((endpoint) => `${endpoint.file} ${endpoint.exportName}: ${endpoint.problem}`);

// Importing every endpoint module (lib/auth, Prisma, pg-boss…) takes seconds on a busy machine.
describe("endpoint coverage", { timeout: 60_000 }, () => {
  it("finds the app's endpoints with their declarations", async () => {
    const endpoints = await scanEndpoints();
    const health = endpoints.find((endpoint) => endpoint.file === "app/api/health/route.ts");
    expect(health?.declaration).toMatchObject({
      auth: "public",
      rateLimit: expect.stringMatching(/^exempt: /),
    });
    expect(endpoints.map((endpoint) => `${endpoint.file} ${endpoint.exportName}`)).toContain(
      "app/(auth)/unlock/actions.ts unlockAccountAction",
    );
  });

  it("has no endpoint that is unwrapped or leaves a declaration out", async () => {
    expect(await problemsOf()).toEqual([]);
  });

  it("asks for a recent re-authentication on exactly the endpoints decision 0024 lists", async () => {
    // Security, ownership and billing changes. "when" endpoints ask only for some changes (the
    // Owner role given, taken or removed), which lib/orgs tells apart; the wrapper can't, so their
    // declaration is all that shows they ask, and this list keeps it from being dropped. A new
    // endpoint that asks belongs here too: the list is the inventory a reviewer reads.
    const askingForStepUp = (await scanEndpoints())
      .filter((endpoint) => endpoint.declaration && endpoint.declaration.stepUp !== "never")
      .map(
        (endpoint) =>
          `${endpoint.file} ${endpoint.exportName}: ${endpoint.declaration?.stepUp.startsWith("when: ") ? "when" : endpoint.declaration?.stepUp}`,
      );
    expect(askingForStepUp).toEqual([
      "app/(app)/[org]/billing/actions.ts openPortalAction: always",
      "app/(app)/[org]/billing/actions.ts startCheckoutAction: always",
      "app/(app)/[org]/members/actions.ts changeRoleAction: when",
      "app/(app)/[org]/members/actions.ts inviteAction: when",
      "app/(app)/[org]/members/actions.ts removeMemberAction: when",
      "app/(app)/[org]/members/actions.ts transferOwnershipAction: always",
      "app/(app)/[org]/settings/actions.ts deleteOrganizationAction: always",
      "app/(app)/account/deletion/actions.ts requestAccountDeletionAction: always",
      // Adding a factor is a change, not a proof of identity (AGENTS.md rule 19).
      "app/(app)/account/mfa/actions.ts confirmMfaEnrolmentAction: always",
      "app/(app)/account/mfa/actions.ts disableMfaAction: always",
      "app/(app)/account/mfa/actions.ts regenerateRecoveryCodesAction: always",
      "app/(app)/account/mfa/actions.ts startMfaEnrolmentAction: always",
      "app/admin/organizations/[org]/actions.ts refundChargeAction: always",
      "app/api/admin/orgs/[org]/refunds/route.ts POST: always",
      "app/api/orgs/[org]/invitations/route.ts POST: when",
      "app/api/orgs/[org]/members/[membershipId]/route.ts DELETE: when",
      "app/api/orgs/[org]/members/[membershipId]/route.ts PATCH: when",
      "app/api/orgs/[org]/members/transfer/route.ts POST: always",
      "app/api/orgs/[org]/route.ts DELETE: always",
    ]);
  });

  it("catches each kind of mistake", async () => {
    const problems = await problemsOf(path.resolve("tests/fixtures/route-coverage"));
    expect(problems).toEqual([
      expect.stringMatching(/^app\/api\/no-input\/route\.ts POST: declares no input schema/),
      expect.stringMatching(/^app\/api\/no-permission\/route\.ts GET: member endpoint without a permission/),
      expect.stringMatching(
        /^app\/api\/step-up-without-when\/route\.ts POST: declares a conditional step-up without saying when/,
      ),
      expect.stringMatching(/^app\/api\/unwrapped\/route\.ts GET: not wrapped/),
      expect.stringMatching(/^app\/forms\/actions\.ts saveSomething: not wrapped/),
      expect.stringMatching(/^app\/forms\/page\.tsx \(inline\): inline "use server"/),
    ]);
  });
});

describe("page gates", () => {
  it("finds the app's pages with the gate each calls", () => {
    const pages = scanPages();
    expect(pages.length).toBeGreaterThan(30);
    expect(pages.find((page) => page.file === "app/(app)/[org]/projects/page.tsx")?.gate).toBe(
      "requirePageMember",
    );
    expect(pages.find((page) => page.file === "app/(app)/account/page.tsx")?.gate).toBe("requirePageUser");
    expect(pages.find((page) => page.file === "app/admin/users/page.tsx")?.gate).toBe(
      "requirePagePlatformAdmin",
    );
  });

  it("has no page outside the public areas that calls no gate", () => {
    expect(scanPages().filter((page) => page.problem !== null)).toEqual([]);
  });

  it("keeps the public areas and pages to this reviewed inventory", () => {
    // A new public page or area is a decision a reviewer reads here, not a line lost in a diff.
    expect(Object.keys(PUBLIC_PAGE_AREAS)).toEqual([
      "app/(auth)/",
      "app/(marketing)/",
      "app/dev/",
      "app/test-support/",
    ]);
    expect(Object.keys(PUBLIC_PAGES)).toEqual([
      "app/(app)/account/deletion/scheduled/page.tsx",
      "app/(app)/invitations/[token]/page.tsx",
      "app/(unmatched)/[org]/[...rest]/page.tsx",
    ]);
  });

  it("catches a page without a gate, wherever it is", () => {
    const root = path.resolve("tests/fixtures/route-coverage");
    const pages = scanPages(root);
    expect(pages.filter((page) => page.problem !== null).map((page) => page.file)).toEqual([
      "app/(app)/commented/page.tsx",
      "app/(app)/settings/page.tsx",
      // Not in a listed public area, so signed in: fail closed.
      "app/forms/page.tsx",
    ]);
    expect(pages.find((page) => page.file === "app/(app)/gated/page.tsx")).toMatchObject({
      gate: "requirePageUser",
      problem: null,
    });
    expect(pages.find((page) => page.file === "app/(marketing)/about/page.tsx")?.problem).toBeNull();
  });
});
