// The session lifetimes: AUTH_SESSION_IDLE_DAYS (a session unused this long ends) and
// AUTH_SESSION_MAX_DAYS (a session this old ends however active), as lib/auth reads them and as the
// app's startup validation checks them.
import { describe, expect, it } from "vitest";
import { readAuthConfig } from "@/lib/auth";
import { parseEnv, serverEnvSchema } from "@/lib/env";
import { envProblems } from "../support/env";

const DAY_SECONDS = 86_400;

describe("session lifetimes", () => {
  it("default to 7 days idle and 30 days in all", () => {
    const config = readAuthConfig({});
    expect(config.sessionIdleSeconds).toBe(7 * DAY_SECONDS);
    expect(config.sessionMaxSeconds).toBe(30 * DAY_SECONDS);
  });

  it("follow AUTH_SESSION_IDLE_DAYS and AUTH_SESSION_MAX_DAYS, fractions of a day included", () => {
    const config = readAuthConfig({ AUTH_SESSION_IDLE_DAYS: "0.5", AUTH_SESSION_MAX_DAYS: "14" });
    expect(config.sessionIdleSeconds).toBe(12 * 60 * 60);
    expect(config.sessionMaxSeconds).toBe(14 * DAY_SECONDS);
    // Equal is fine: the session ends after that long, idle or not.
    expect(readAuthConfig({ AUTH_SESSION_IDLE_DAYS: "30" }).sessionIdleSeconds).toBe(30 * DAY_SECONDS);
  });

  it("refuse an idle lifetime longer than the absolute one, saying which to change", () => {
    const expected = [
      "AUTH_SESSION_IDLE_DAYS: must be at most AUTH_SESSION_MAX_DAYS (10), got 14: a session ends AUTH_SESSION_MAX_DAYS after sign-in however active it is. Lower AUTH_SESSION_IDLE_DAYS or raise AUTH_SESSION_MAX_DAYS.",
    ];
    const env = { AUTH_SESSION_IDLE_DAYS: "14", AUTH_SESSION_MAX_DAYS: "10" };
    expect(envProblems(() => readAuthConfig(env))).toEqual(expected);
    // The default idle lifetime (7 days) against a shorter absolute one counts too.
    expect(envProblems(() => readAuthConfig({ AUTH_SESSION_MAX_DAYS: "3" }))).toEqual([
      expect.stringMatching(/^AUTH_SESSION_IDLE_DAYS: must be at most AUTH_SESSION_MAX_DAYS \(3\), got 7:/),
    ]);
    // The same check runs in the app's startup validation.
    expect(
      envProblems(() => parseEnv(serverEnvSchema, { DATABASE_URL: "postgresql://a@b/c", ...env })),
    ).toEqual(expected);
  });

  it("refuse values that are not a positive number of days within the bounds", () => {
    expect(envProblems(() => readAuthConfig({ AUTH_SESSION_IDLE_DAYS: "0" }))).toEqual([
      expect.stringMatching(/^AUTH_SESSION_IDLE_DAYS: /),
    ]);
    expect(envProblems(() => readAuthConfig({ AUTH_SESSION_MAX_DAYS: "366" }))).toEqual([
      expect.stringMatching(/^AUTH_SESSION_MAX_DAYS: /),
    ]);
    expect(envProblems(() => readAuthConfig({ AUTH_SESSION_MAX_DAYS: "a month" }))).toEqual([
      expect.stringMatching(/^AUTH_SESSION_MAX_DAYS: /),
    ]);
  });
});
