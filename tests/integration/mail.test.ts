// sendMail against a real SMTP server (tests/support/smtp-catcher.ts) and the dev mailbox on disk.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import DevMailPage from "@/app/dev/mailbox/[id]/page";
import DevMailboxPage from "@/app/dev/mailbox/page";
import { logger } from "@/lib/log";
import {
  type AppLink,
  listDevMail,
  MailDeliveryError,
  type MailMessage,
  readDevMail,
  readMailConfig,
  sendMail,
} from "@/lib/mail";
import { type SmtpCatcher, type SmtpRefusal, startSmtpCatcher } from "../support/smtp-catcher";

const RECIPIENT = "ada.lovelace@example.com";
const LINK = "https://app.example.com/verify-email?token=tok_integration" as AppLink;

const message: MailMessage = {
  to: RECIPIENT,
  subject: "Verify your email address for Shipshape",
  text: `Verify:\n${LINK}`,
  html: `<p><a href="${LINK}">Verify</a></p>`,
};

function smtpConfig(url: string) {
  return readMailConfig({
    NODE_ENV: "test",
    SMTP_URL: url,
    MAIL_FROM: "Shipshape <no-reply@shipshape.test>",
  });
}

/** A catcher that refuses recipients with the given replies, in order, then accepts. Counts RCPT TOs. */
async function refusingCatcher(refusals: SmtpRefusal[]): Promise<SmtpCatcher & { attempts: () => number }> {
  let attempts = 0;
  const catcher = await startSmtpCatcher({
    refuseRecipient: () => refusals[attempts++],
  });
  return Object.assign(catcher, { attempts: () => attempts });
}

/** Every argument of every call to `spy`, as one string, to search log lines. */
function loggedText(spy: { mock: { calls: unknown[][] } }): string {
  return JSON.stringify(spy.mock.calls);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("sendMail over SMTP", () => {
  let catcher: SmtpCatcher;
  beforeAll(async () => {
    catcher = await startSmtpCatcher();
  });
  afterAll(() => catcher.stop());

  it("delivers subject, text and HTML to the recipient, from MAIL_FROM", async () => {
    const sent = await sendMail(message, smtpConfig(catcher.url));
    expect(sent.via).toBe("smtp");

    const mail = await catcher.waitForMail({ to: RECIPIENT, subject: "Verify" });
    expect(mail.envelope.to).toEqual([RECIPIENT]);
    expect(mail.from).toBe('"Shipshape" <no-reply@shipshape.test>');
    expect(mail.subject).toBe(message.subject);
    expect(mail.text.trim()).toBe(message.text);
    expect(mail.html.trim()).toBe(message.html);
    expect(mail.messageId).toBe(sent.messageId);
  });

  it("logs in when SMTP_URL carries credentials", async () => {
    const withLogin = catcher.url.replace("smtp://", "smtp://mailer:s3cret-password@");
    const sent = await sendMail({ ...message, subject: "With login" }, smtpConfig(withLogin));
    expect((await catcher.waitForMail({ to: RECIPIENT, subject: "With login" })).messageId).toBe(
      sent.messageId,
    );
  });

  it("refuses a `to` that is not exactly one address, before connecting", async () => {
    for (const to of ["", "Ada <ada@example.com>", "a@example.com, b@example.com", "no-at-sign"]) {
      await expect(sendMail({ ...message, to }, smtpConfig(catcher.url))).rejects.toThrow(
        /`to` must be exactly one email address/,
      );
    }
  });
});

describe("sendMail retries and failures", () => {
  it("retries transient refusals (451) and then delivers once", async () => {
    const catcher = await refusingCatcher([
      { code: 451, message: "4.3.0 Try again later" },
      { code: 451, message: "4.3.0 Try again later" },
    ]);
    const warn = vi.spyOn(logger, "warn");
    try {
      const sent = await sendMail(message, smtpConfig(catcher.url));
      expect(catcher.attempts()).toBe(3);
      expect(catcher.messages()).toHaveLength(1);
      expect(catcher.messages()[0]?.messageId).toBe(sent.messageId);

      // One warning per failed attempt, naming the domain but never the full address.
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls[0]?.[0]).toMatchObject({
        recipientDomain: "example.com",
        attempt: 1,
        smtpCode: 451,
      });
      expect(loggedText(warn)).not.toContain("ada.lovelace");
    } finally {
      await catcher.stop();
    }
  });

  it("gives up at once on a permanent refusal (550), logs it, and throws MailDeliveryError", async () => {
    const catcher = await refusingCatcher([
      { code: 550, message: `5.1.1 <${RECIPIENT}>: Recipient address rejected` },
    ]);
    const error = vi.spyOn(logger, "error");
    try {
      const failure = await sendMail(message, smtpConfig(catcher.url)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(MailDeliveryError);
      expect(failure).toMatchObject({ attempts: 1, permanent: true, smtpCode: 550 });
      expect(catcher.attempts()).toBe(1);
      expect(catcher.messages()).toEqual([]);
      // For the person: a 503 that says retrying won't help, without the server's reply.
      expect(failure).toMatchObject({
        status: 503,
        code: "mail_refused",
        message: expect.stringMatching(/^The mail server refused the email/),
      });
      expect((failure as Error).message).not.toMatch(/Recipient address rejected/);

      // For the logs: the server quoted the address; neither the log line nor the detail repeats it.
      const { detail } = failure as MailDeliveryError;
      expect(detail).toMatch(/Recipient address rejected/);
      expect(detail).toContain("@example.com");
      expect(detail).not.toContain("ada.lovelace");
      expect(error).toHaveBeenCalledTimes(1);
      expect(error.mock.calls[0]?.[0]).toMatchObject({ recipientDomain: "example.com", smtpCode: 550 });
      expect(loggedText(error)).not.toContain("ada.lovelace");
    } finally {
      await catcher.stop();
    }
  });

  it("throws a transient MailDeliveryError after 3 attempts when the refusals don't stop", async () => {
    const busy = { code: 451, message: "4.3.0 Try again later" };
    const catcher = await refusingCatcher([busy, busy, busy, busy]);
    try {
      const failure = await sendMail(message, smtpConfig(catcher.url)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(MailDeliveryError);
      expect(failure).toMatchObject({ attempts: 3, permanent: false, smtpCode: 451 });
      expect(catcher.attempts()).toBe(3);
    } finally {
      await catcher.stop();
    }
  });

  it("retries when the server can't be reached, then throws", async () => {
    // Port 1 on loopback: nothing listens there, so every connection is refused at once.
    const failure = await sendMail(message, smtpConfig("smtp://127.0.0.1:1")).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure).toMatchObject({ attempts: 3, permanent: false, smtpCode: undefined });
    // A 503 people can act on ("try again in a few minutes"); the refused connection is in `detail`.
    expect(failure).toMatchObject({
      status: 503,
      code: "mail_unavailable",
      message: expect.stringMatching(/Try again in a few minutes\.$/),
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});

describe("sendMail without SMTP_URL (the dev mailbox)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "shipshape-mailbox-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("writes each message as .json and .eml, and lists them newest first", async () => {
    const config = readMailConfig({ NODE_ENV: "development", MAIL_DEV_DIR: dir });
    const first = await sendMail({ ...message, subject: "First" }, config);
    const second = await sendMail({ ...message, subject: "Second" }, config);
    expect(first.via).toBe("dev-mailbox");

    const stored = await readDevMail(first.id, dir);
    expect(stored).toMatchObject({
      id: first.id,
      messageId: first.messageId,
      from: "Shipshape <no-reply@localhost>",
      to: RECIPIENT,
      subject: "First",
      text: message.text,
      html: message.html,
    });
    expect(new Date(stored?.date ?? "").getTime()).not.toBeNaN();

    const eml = await readFile(path.join(dir, `${first.id}.eml`), "utf8");
    expect(eml).toContain(`Message-ID: ${first.messageId}`);
    expect(eml).toContain("Subject: First");

    expect((await listDevMail(dir)).map((mail) => mail.id)).toEqual([second.id, first.id]);
  });

  it("reads only names that are mailbox ids", async () => {
    expect(await readDevMail("../../package", dir)).toBeUndefined();
    expect(await readDevMail("20990101T000000000Z-00000000", dir)).toBeUndefined();
  });

  it("treats a missing folder as an empty mailbox", async () => {
    const missing = path.join(dir, "never-created");
    expect(await listDevMail(missing)).toEqual([]);
    expect(existsSync(missing)).toBe(false);
  });
});

describe("the dev mailbox pages", () => {
  it("answer 404 in production, before reading any mail", async () => {
    vi.stubEnv("NODE_ENV", "production");
    try {
      // notFound() throws this digest; Next.js turns it into the 404 page.
      const notFound = { digest: "NEXT_HTTP_ERROR_FALLBACK;404" };
      await expect(DevMailboxPage()).rejects.toMatchObject(notFound);
      const params = Promise.resolve({ id: "20990101T000000000Z-00000000" });
      await expect(DevMailPage({ params })).rejects.toMatchObject(notFound);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
