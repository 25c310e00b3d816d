// With the database unreachable, the app says so: every signed-in endpoint answers 503
// `database_unavailable` with Retry-After (route) or the same code (server action), the page gate
// shows the "temporarily unavailable" page, and each is logged as an outage, not as a 500 bug.
// The app's Prisma client is pointed at a loopback port nothing listens on: the real errors, no mocks.
import { randomUUID } from "node:crypto";
import { NextRequest } from "next/server";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signUpAction } from "@/app/(auth)/sign-up/actions";
import { ErrorPanel, DATABASE_UNAVAILABLE_DIGEST as PANEL_DIGEST } from "@/components/error-panel";
import { DATABASE_UNAVAILABLE_DIGEST, DatabaseUnavailableError, disconnectDb } from "@/lib/db";
import { type ActionState, requirePageMember, requirePagePlatformAdmin, requirePageUser } from "@/lib/http";
import { stopJobProducer } from "@/lib/jobs";
import { logger } from "@/lib/log";
import { scanEndpoints } from "@/tools/route-coverage";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { mailTo } from "../support/mail";
import { inRequestScope } from "../support/next-request";
import { createTestOrg } from "../support/orgs";
import { closedPort } from "../support/services";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp } from "../support/users";

type Handler = (
  request: Request,
  context?: { params: Promise<Record<string, unknown>> },
) => Promise<Response>;
type FormAction = (previous: ActionState, form: FormData) => Promise<ActionState>;

const previousDatabaseUrl = process.env.DATABASE_URL;
let slug: string;
let cookie: string;

beforeAll(async () => {
  const org = await createTestOrg(["OWNER"]);
  slug = org.org.slug;
  const owner = org.owner();
  // The session is minted while the database is up (through the test's own client); the app's
  // client is then pointed at the closed port, so every lookup it makes fails to connect.
  cookie = await sessionCookieFor(owner.userId, { mfa: "verified" });
  await disconnectDb();
  await stopJobProducer();
  process.env.DATABASE_URL = `postgresql://postgres@127.0.0.1:${await closedPort()}/shipshape`;
});

afterAll(async () => {
  await disconnectDb();
  await stopJobProducer();
  process.env.DATABASE_URL = previousDatabaseUrl;
  await testDb().$disconnect();
});

type LogCalls = { mock: { calls: unknown[][] } };
const outageLogged = (spy: LogCalls) =>
  spy.mock.calls.some(
    ([fields]) => (fields as { code?: string } | undefined)?.code === "database_unavailable",
  );
const bugLogged = (spy: LogCalls) =>
  spy.mock.calls.some(([, message]) => /route handler failed|server action failed/.test(String(message)));

describe("the database is unreachable", () => {
  it("every signed-in route answers 503 database_unavailable with Retry-After, logged as an outage", async () => {
    const errors = vi.spyOn(logger, "error");
    const endpoints = (await scanEndpoints()).filter(
      (endpoint) => endpoint.kind === "route" && endpoint.declaration?.auth !== "public",
    );
    expect(endpoints.length).toBeGreaterThan(10);
    const answers: Record<string, string> = {};
    for (const endpoint of endpoints) {
      const module = (await import(`@/${endpoint.file.replace(/\.ts$/, "")}`)) as Record<string, Handler>;
      const handler = module[endpoint.exportName] as Handler;
      const names = [...endpoint.file.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map((match) => match[1] as string);
      const params = Object.fromEntries(names.map((name) => [name, name === "org" ? slug : "x"]));
      const path = endpoint.file
        .replace(/^app/, "")
        .replace(/\/route\.ts$/, "")
        .replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, name: string) => String(params[name]));
      const request = new NextRequest(
        appRequest(path, {
          method: endpoint.exportName,
          cookie,
          ip: freshIp(),
          body: endpoint.exportName === "GET" ? undefined : {},
        }),
      );
      const response = await inRequestScope(request, () =>
        handler(request, { params: Promise.resolve(params) }),
      );
      const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null;
      answers[`${endpoint.exportName} ${endpoint.file}`] =
        `${response.status} ${body?.error?.code} retry-after=${response.headers.get("retry-after")}`;
    }
    expect(answers).toEqual(
      Object.fromEntries(Object.keys(answers).map((key) => [key, "503 database_unavailable retry-after=30"])),
    );
    expect(outageLogged(errors)).toBe(true);
    expect(bugLogged(errors)).toBe(false);
    errors.mockRestore();
  });

  it("every signed-in server action answers the form with database_unavailable, logged as an outage", async () => {
    const errors = vi.spyOn(logger, "error");
    const actions = (await scanEndpoints()).filter(
      (endpoint) => endpoint.kind === "action" && endpoint.declaration?.auth !== "public",
    );
    expect(actions.length).toBeGreaterThan(10);
    const answers: Record<string, string> = {};
    for (const endpoint of actions) {
      const module = (await import(`@/${endpoint.file.replace(/\.tsx?$/, "")}`)) as Record<
        string,
        FormAction
      >;
      const outcome = await submitAction(
        module[endpoint.exportName] as FormAction,
        { org: slug },
        { cookie },
      );
      answers[`${endpoint.exportName} ${endpoint.file}`] =
        outcome.status === "error" ? `${outcome.status} ${outcome.code}` : outcome.status;
    }
    expect(answers).toEqual(
      Object.fromEntries(Object.keys(answers).map((key) => [key, "error database_unavailable"])),
    );
    expect(outageLogged(errors)).toBe(true);
    expect(bugLogged(errors)).toBe(false);
    errors.mockRestore();
  });

  it("sign-up answers that the service is unavailable, never 'check your inbox', and creates nothing", async () => {
    const email = `outage-${randomUUID()}@example.com`;
    const outcome = await submitAction(signUpAction as FormAction, {
      email,
      password: "marble orchard kettle lantern",
    });
    expect(outcome).toMatchObject({ status: "error", code: "database_unavailable" });
    expect(await testDb().user.count({ where: { email } })).toBe(0);
    expect(await mailTo(email)).toEqual([]);
  });

  it("the page gate shows the 'temporarily unavailable' page instead of the error page, logged as an outage", async () => {
    const request = appRequest(`/${slug}`, { cookie, ip: freshIp() });
    for (const gate of [
      (): Promise<unknown> => requirePageUser(),
      () => requirePageMember(slug),
      () => requirePagePlatformAdmin(),
    ]) {
      const errors = vi.spyOn(logger, "error");
      const thrown = await inRequestScope(request, gate).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(thrown).toBeInstanceOf(DatabaseUnavailableError);
      expect(outageLogged(errors)).toBe(true);
      errors.mockRestore();
      // What app/error.tsx gets in production: an error with the message hidden and the digest kept.
      const digest = (thrown as DatabaseUnavailableError).digest;
      const asTheBrowserSeesIt = Object.assign(new Error("hidden in production"), { digest });
      const page = renderToStaticMarkup(
        createElement(ErrorPanel, { error: asTheBrowserSeesIt, retry: () => {} }),
      );
      expect(page).toContain("temporarily unavailable");
      expect(page).not.toContain("Something went wrong");
    }
    expect(PANEL_DIGEST).toBe(DATABASE_UNAVAILABLE_DIGEST);
  });
});
