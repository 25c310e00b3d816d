import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  type AppLink,
  accountDeletionScheduledMail,
  accountExistsMail,
  accountLockedMail,
  addressHint,
  appLink,
  confirmEmailChangeMail,
  dataExportReadyMail,
  emailChangedMail,
  escapeHtml,
  invitationMail,
  type MailContent,
  mfaChangedMail,
  passwordChangedMail,
  passwordResetMail,
  paymentFailedMail,
  verifyEmailMail,
} from "@/lib/mail";

// appLink reads APP_URL through serverEnv(), which validates the whole server environment once per
// test file: give it a complete one. The base path checks that links keep it.
vi.stubEnv("APP_URL", "https://app.example.com/base");
vi.stubEnv("DATABASE_URL", "postgresql://unused@127.0.0.1:1/unused");

const HOSTILE_NAME = `<script>alert("x")</script> & Co`;

/**
 * Every template, called with a hostile user name. Rendered inside each test, after its env stubs.
 * invitationMail greets nobody by name (the invitee has no account yet): it has its own test below.
 */
const templates: [string, (link: AppLink) => MailContent][] = [
  ["verifyEmailMail", (link) => verifyEmailMail({ name: HOSTILE_NAME, link, validForMinutes: 24 * 60 })],
  ["accountExistsMail", (link) => accountExistsMail({ name: HOSTILE_NAME, link })],
  ["passwordResetMail", (link) => passwordResetMail({ name: HOSTILE_NAME, link, validForMinutes: 30 })],
  [
    "passwordChangedMail",
    (link) => passwordChangedMail({ name: HOSTILE_NAME, link, changedAt: new Date("2026-03-04T05:06:00Z") }),
  ],
  ["accountLockedMail", (link) => accountLockedMail({ name: HOSTILE_NAME, link, validForMinutes: 60 })],
  ["mfaChangedMail", (link) => mfaChangedMail({ name: HOSTILE_NAME, link, change: "enabled" })],
  [
    "confirmEmailChangeMail",
    (link) => confirmEmailChangeMail({ name: HOSTILE_NAME, link, validForMinutes: 24 * 60 }),
  ],
  [
    "emailChangedMail",
    (link) =>
      emailChangedMail({
        name: HOSTILE_NAME,
        link,
        validForMinutes: 7 * 24 * 60,
        newEmail: "nadia@example.org",
        changedAt: new Date("2026-03-04T05:06:00Z"),
      }),
  ],
  [
    "paymentFailedMail",
    (link) =>
      paymentFailedMail({
        name: HOSTILE_NAME,
        link,
        orgName: HOSTILE_NAME,
        graceEndsAt: new Date("2026-03-11T00:00:00Z"),
      }),
  ],
  [
    "accountDeletionScheduledMail",
    (link) =>
      accountDeletionScheduledMail({
        name: HOSTILE_NAME,
        link,
        scheduledAt: new Date("2026-03-11T00:00:00Z"),
      }),
  ],
  [
    "dataExportReadyMail",
    (link) => dataExportReadyMail({ name: HOSTILE_NAME, link, expiresAt: new Date("2026-03-11T00:00:00Z") }),
  ],
];

const URL_PATTERN = /https?:\/\/[^\s"'<>]+/g;

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("escapeHtml", () => {
  it("escapes the five characters that matter in elements and quoted attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;",
    );
  });

  it("escapes an ampersand first, so entities are not double-decoded into markup", () => {
    expect(escapeHtml("&lt;script&gt;")).toBe("&amp;lt;script&amp;gt;");
  });

  it("leaves other text alone", () => {
    expect(escapeHtml("Hello, Zoë — 100% ✓")).toBe("Hello, Zoë — 100% ✓");
  });
});

describe("appLink", () => {
  it("builds links on APP_URL, keeping its path, with encoded query values", () => {
    expect(appLink("/verify-email", { token: "a+b/c=", next: "/x y" })).toBe(
      "https://app.example.com/base/verify-email?token=a%2Bb%2Fc%3D&next=%2Fx+y",
    );
  });

  it("refuses anything that could leave the app or smuggle a query", () => {
    for (const path of [
      "//evil.example/x",
      "https://evil.example",
      "verify",
      "/a?b=c",
      "/a#b",
      "/\\evil.example",
    ]) {
      expect(() => appLink(path)).toThrow(/appLink: path must be an absolute path on this app/);
    }
  });
});

describe("mail templates", () => {
  const link = appLink("/action", { token: "tok_123", email: "ada@example.com" });

  beforeEach(() => {
    vi.stubEnv("APP_NAME", "Acme");
  });

  it.each(templates)("%s has a subject, a text part and an HTML part that name the product", (_, render) => {
    const mail = render(link);
    expect(mail.subject).toContain("Acme");
    expect(mail.text).toContain("Acme");
    expect(mail.html).toContain("Acme");
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).not.toMatch(/<script|<style|<img|<form/i);
  });

  it.each(templates)("%s carries its link once in the text part and no other URL", (_, render) => {
    const mail = render(link);
    expect(occurrences(mail.text, link)).toBe(1);
    expect(mail.text.match(URL_PATTERN)).toEqual([link]);
    // In HTML the link is the button's href, and the fallback link's href and text; `&` escaped.
    const htmlUrls = mail.html.match(URL_PATTERN) ?? [];
    expect(htmlUrls.length).toBeGreaterThan(0);
    expect(new Set(htmlUrls)).toEqual(new Set([escapeHtml(link)]));
  });

  it.each(templates)("%s escapes the user's name in HTML", (_, render) => {
    const mail = render(link);
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain(`Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co,`);
    expect(mail.text).toContain(`Hi ${HOSTILE_NAME},`);
  });

  it("escapes the product name in HTML too", () => {
    vi.stubEnv("APP_NAME", "Tom & <Jerry>");
    const mail = verifyEmailMail({ link, validForMinutes: 60 });
    expect(mail.subject).toBe("Verify your email address for Tom & <Jerry>");
    expect(mail.html).toContain("Tom &amp; &lt;Jerry&gt;");
    expect(mail.html).not.toContain("<Jerry>");
  });

  it("greets without a name when there is none, and shortens long or multi-line names", () => {
    expect(passwordResetMail({ link, validForMinutes: 30 }).text).toMatch(/^Hello,\n/);
    const long = passwordResetMail({
      name: `Line one\r\nLine two ${"x".repeat(100)}`,
      link,
      validForMinutes: 30,
    });
    expect(long.text.split("\n")[0]).toBe(`Hi Line one Line two ${"x".repeat(21)}…,`);
  });

  it("states how long a link works", () => {
    expect(verifyEmailMail({ link, validForMinutes: 24 * 60 }).text).toContain("works for 24 hours");
    expect(passwordResetMail({ link, validForMinutes: 30 }).text).toContain("works for 30 minutes");
    expect(accountLockedMail({ link, validForMinutes: 60 }).text).toContain("works for 1 hour ");
    expect(() => passwordResetMail({ link, validForMinutes: 0 })).toThrow(/whole number of minutes/);
  });

  it("states a validity of several days in days", () => {
    const mail = emailChangedMail({
      link,
      validForMinutes: 7 * 24 * 60,
      newEmail: "nadia@example.org",
      changedAt: new Date("2026-03-04T05:06:00Z"),
    });
    expect(mail.text).toContain("The undo link works for 7 days and only once.");
    expect(mail.text).toContain("on 4 Mar 2026, 05:06 UTC");
  });

  it("shows the old address only a hint of the new one, never the whole address", () => {
    const mail = emailChangedMail({
      link,
      validForMinutes: 60,
      newEmail: "nadia@example.org",
      changedAt: new Date(),
    });
    expect(mail.text).toContain("changed to n•••@example.org");
    expect(mail.text).not.toContain("nadia@");
    expect(mail.html).not.toContain("nadia@");
    expect(addressHint("a@b.example")).toBe("a•••@b.example");
    expect(addressHint("not-an-address")).toBe("•••");
  });

  it("tells a stranger who got a confirmation link by mistake that nothing changes", () => {
    const mail = confirmEmailChangeMail({ link, validForMinutes: 24 * 60 });
    expect(mail.text).toMatch(/^Hello,\n/);
    expect(mail.text).toContain("nothing changes until the link is opened");
  });

  it("dates the password change in UTC", () => {
    const mail = passwordChangedMail({ link, changedAt: new Date("2026-03-04T05:06:00Z") });
    expect(mail.text).toContain("changed on 4 Mar 2026, 05:06 UTC");
  });

  it("says which way two-factor authentication changed", () => {
    expect(mfaChangedMail({ link, change: "enabled" }).subject).toContain("turned on");
    expect(mfaChangedMail({ link, change: "disabled" }).subject).toContain("turned off");
  });

  it("invites with the organization's and the inviter's names escaped and shortened", () => {
    const mail = invitationMail({
      inviterName: HOSTILE_NAME,
      organizationName: `Free money! Click the button below and enter your card ${"x".repeat(80)}`,
      role: "ADMIN",
      link,
      validForMinutes: 7 * 24 * 60,
    });
    expect(mail.subject).toMatch(
      /^You.re invited to join Free money! Click the button below and ?… on Acme$/,
    );
    expect(mail.text).toContain(`${HOSTILE_NAME} invited you to join Free money!`);
    expect(mail.text).toContain("as an admin");
    expect(mail.text).toContain("works for 7 days");
    expect(mail.html).not.toContain("<script>");
    expect(mail.text.match(URL_PATTERN)).toEqual([link]);
  });
});
