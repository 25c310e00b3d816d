// Whatever goes wrong inside password sign-in, the answer says only a stable code: never a database
// message (which next-auth would otherwise copy into the error URL). With the database unreachable,
// the code is "unavailable", as with the rate-limit store down, and the cause is logged.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { disconnectDb } from "@/lib/db";
import { logger } from "@/lib/log";
import { setsSessionCookie, signInThroughNextAuth } from "../support/next-auth-requests";
import { closedPort } from "../support/services";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

/** What a database or driver error would show: Prisma's wording, SQLSTATEs, the connection. */
const LEAKS = /prisma|invocation|findUnique|22021|ECONNREFUSED|127\.0\.0\.1|postgres/i;

/**
 * The codes the sign-in form knows (sign-in-form.tsx; hostile text such as a NUL is refused as
 * invalid_input before any lookup), and next-auth's "wrong credentials".
 */
const SAFE_CODES = ["CredentialsSignin", "invalid_input", "rate_limited", "unavailable"];

async function answer(fields: Record<string, string>) {
  const response = await (await signInThroughNextAuth(fields, freshIp())).finished;
  const body = await response.text();
  const url = new URL((JSON.parse(body) as { url: string }).url);
  return { response, body, error: url.searchParams.get("error") };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("password sign-in's answer never carries an error's text", () => {
  it("a NUL in the email (which the database refuses) answers a safe code and logs no address", async () => {
    const logged = vi.spyOn(logger, "error");
    for (const email of ["a\0b@example.com", `\0${(await createTestUser()).email}`]) {
      const { response, body, error } = await answer({ email, password: TEST_PASSWORD });
      expect(setsSessionCookie(response)).toBe(false);
      expect(SAFE_CODES).toContain(error);
      expect(body).not.toMatch(LEAKS);
      for (const [fields] of logged.mock.calls) {
        const { err } = fields as unknown as { err?: Error };
        expect(`${err?.message} ${err?.stack}`).not.toContain(email.slice(1));
      }
    }
  });
});

describe("password sign-in with the database unreachable", () => {
  const previousUrl = process.env.DATABASE_URL;
  let port = 0;

  beforeAll(async () => {
    await disconnectDb();
    port = await closedPort();
    process.env.DATABASE_URL = `postgresql://postgres@127.0.0.1:${port}/shipshape`;
  });

  afterAll(async () => {
    await disconnectDb();
    process.env.DATABASE_URL = previousUrl;
  });

  it("answers 503 'unavailable' with Retry-After, leaks nothing, and logs the cause", async () => {
    const error = vi.spyOn(logger, "error");
    for (const password of [TEST_PASSWORD, "a wrong password"]) {
      const result = await answer({ email: `someone-${port}@example.com`, password });
      expect(result.response.status).toBe(503);
      expect(Number(result.response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(setsSessionCookie(result.response)).toBe(false);
      expect(result.error).toBe("unavailable");
      expect(result.body).not.toMatch(LEAKS);
    }
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error) }),
      expect.stringMatching(/sign-in/i),
    );
  });
});
