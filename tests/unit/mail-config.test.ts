import { describe, expect, it } from "vitest";
import { readMailConfig } from "@/lib/mail";
import { envProblems } from "../support/env";

const problemsOf = (env: Record<string, string>) => envProblems(() => readMailConfig(env));

describe("mail config", () => {
  it("needs nothing in development: no SMTP_URL means the dev mailbox", () => {
    expect(readMailConfig({})).toEqual({
      NODE_ENV: "development",
      MAIL_FROM: "Shipshape <no-reply@localhost>",
      APP_NAME: "Shipshape",
      MAIL_DEV_DIR: ".data/mail",
    });
  });

  it("requires SMTP_URL in production, saying why and what to set", () => {
    expect(problemsOf({ NODE_ENV: "production" })).toEqual([
      expect.stringMatching(/^SMTP_URL: is required in production .*smtps:\/\//),
    ]);
    expect(problemsOf({ NODE_ENV: "production", SMTP_URL: "smtps://u:p@smtp.example.com:465" })).toEqual([]);
  });

  it("accepts only smtp:// and smtps:// URLs, without echoing the value", () => {
    const problems = problemsOf({ SMTP_URL: "https://user:hunter22@smtp.example.com" });
    expect(problems).toEqual([expect.stringMatching(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/)]);
    expect(problems.join()).not.toContain("hunter22");
  });

  it("accepts MAIL_FROM as an address or Name <address>, and nothing else", () => {
    for (const from of ["no-reply@example.com", "Acme Support <support@acme.example>", "<a@b>"]) {
      expect(problemsOf({ MAIL_FROM: from })).toEqual([]);
    }
    for (const from of ["Acme", "Acme <support>", "a@b, c@d", 'Evil "Quote" <a@b>', "A <a@b> B"]) {
      expect(problemsOf({ MAIL_FROM: from })).toEqual([
        expect.stringMatching(/^MAIL_FROM: must be an address/),
      ]);
    }
  });

  it("keeps APP_NAME short enough for a subject line", () => {
    expect(problemsOf({ APP_NAME: "x".repeat(61) })).toEqual([
      expect.stringMatching(/^APP_NAME: must be at most 60/),
    ]);
    expect(readMailConfig({ APP_NAME: "  Acme  " }).APP_NAME).toBe("Acme");
  });
});
