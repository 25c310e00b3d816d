// The per-user limits on the endpoints that send mail to addresses the caller picks (invitations)
// or read everything a user owns (data export), the general per-user API limit, and the per-IP
// limit on unknown API paths, exercised as a user would hit them, on the store the app uses here
// (Redis when REDIS_URL is set, as in CI).
import { afterAll, describe, expect, it, vi } from "vitest";
import { requestDataExportAction } from "@/app/(app)/account/export/actions";
import { GET as unknownApiPath } from "@/app/api/[...path]/route";
import { POST as sendInvitation } from "@/app/api/orgs/[org]/invitations/route";
import { GET as listOrganizations } from "@/app/api/orgs/route";
import { endpointDeclaration } from "@/lib/http";
import { checkRateLimit, RATE_LIMIT_POLICIES } from "@/lib/ratelimit";
import { putOnPaidPlan } from "../support/billing";
import { testDb } from "../support/db";
import { createTestOrg } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

// putOnPaidPlan turned billing on for this file.
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("invitation-send-user", () => {
  it("lets one person send 30 invitations an hour, then answers 429 with Retry-After and sends nothing", async () => {
    const { limit } = RATE_LIMIT_POLICIES["invitation-send-user"];
    const { org, owner } = await createTestOrg(["OWNER"]);
    // Business: unlimited seats, so the plan is not what stops the sender.
    await putOnPaidPlan(org.id, "business");
    const cookie = await sessionCookieFor(owner().userId);
    const send = (i: number) =>
      sendInvitation(
        appRequest(`/api/orgs/${org.slug}/invitations`, {
          cookie,
          ip: freshIp(),
          body: { email: `flood-${i}-${org.slug}@example.com`, role: "MEMBER" },
        }),
        { params: Promise.resolve({ org: org.slug }) },
      );

    const statuses = [];
    for (let i = 0; i < limit; i++) statuses.push((await send(i)).status);
    expect(statuses).toEqual(Array(limit).fill(201));

    const refused = await send(limit);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await refused.json()).error.code).toBe("rate_limited");
    expect(await testDb().invitation.count({ where: { orgId: org.id } })).toBe(limit);
  });
});

describe("data-export-user", () => {
  it("is the export request's limit, and refuses a user's 4th request within a day", async () => {
    // A server action can't run outside a Next.js request here: check that it declares the policy,
    // then that the policy, on the app's store, refuses the 4th request of one user and not another's.
    expect(endpointDeclaration(requestDataExportAction)?.rateLimit).toBe("data-export-user");
    const user = await createTestUser();
    const other = await createTestUser();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await checkRateLimit("data-export-user", user.id)).allowed);
    expect(answers).toEqual([true, true, true, false]);
    expect((await checkRateLimit("data-export-user", other.id)).allowed).toBe(true);
  });
});

describe("api-user", () => {
  it("answers one user's requests past 300 a minute with 429, and another user's still", async () => {
    const { limit } = RATE_LIMIT_POLICIES["api-user"];
    const [busy, other] = [await createTestUser(), await createTestUser()];
    const list = async (cookie: string) =>
      listOrganizations(appRequest("/api/orgs", { cookie, ip: freshIp() }));
    const busyCookie = await sessionCookieFor(busy.id);
    const statuses = [];
    for (let i = 0; i < limit; i++) statuses.push((await list(busyCookie)).status);
    expect(statuses).toEqual(Array(limit).fill(200));

    const refused = await list(busyCookie);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe(`"api-user";q=${limit};w=60`);
    expect((await refused.json()).error.code).toBe("rate_limited");
    expect((await list(await sessionCookieFor(other.id))).status).toBe(200);
  });
});

describe("unknown API paths", () => {
  it("answer 404 in JSON, counted per IP like pages, so probing for endpoints hits a limit too", async () => {
    const { limit } = RATE_LIMIT_POLICIES["pages-ip"];
    const ip = freshIp();
    const probe = (path: string, from = ip) =>
      unknownApiPath(appRequest(path, { ip: from }), {
        params: Promise.resolve({ path: path.split("/").slice(2) }),
      });

    const first = await probe("/api/wp-admin");
    expect(first.status).toBe(404);
    expect((await first.json()).error.code).toBe("not_found");
    for (let i = 1; i < limit; i++) await probe(`/api/probe-${i}`);
    const refused = await probe("/api/.env");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await probe("/api/.env", freshIp())).status).toBe(404);
  });
});
