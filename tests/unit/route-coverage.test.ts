// Every endpoint is wrapped and declares its auth level, its permission (member endpoints), its
// rate-limit policy (or an exemption with a reason) and its input schema; the sensitive ones declare
// step-up. A new route.ts export or
// server action that skips the wrapper fails here, whoever wrote it.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scanEndpoints } from "@/tools/route-coverage";

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
