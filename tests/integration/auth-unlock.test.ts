import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { authOptions, LOCKOUT, signInWithPassword, unlockAccount } from "@/lib/auth";
import { logger } from "@/lib/log";
import { listDevMail } from "@/lib/mail";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { signInThroughNextAuth } from "../support/next-auth-requests";
import { type SmtpCatcher, startSmtpCatcher } from "../support/smtp-catcher";
import { createTestUser, freshIp, lockOutBySignInFailures, TEST_PASSWORD } from "../support/users";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  // SMTP_URL, set by a test: the mail settings are read from the environment on each send.
  vi.unstubAllEnvs();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Sends the app's mail to an SMTP catcher through a front that holds every connection until
 * `answer()`: a mail server that is slow to greet. `contacted` resolves when the app first connects.
 */
async function slowMailServer(): Promise<{ catcher: SmtpCatcher; contacted: Promise<void>; answer(): void }> {
  const catcher = await startSmtpCatcher();
  const waiting: Socket[] = [];
  let answering = false;
  let markContacted = () => {};
  const contacted = new Promise<void>((resolve) => {
    markContacted = resolve;
  });
  const forward = (client: Socket) => {
    const upstream = connect(catcher.port, "127.0.0.1");
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  };
  const front = createServer((client) => {
    markContacted();
    if (answering) forward(client);
    else waiting.push(client);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  vi.stubEnv("SMTP_URL", `smtp://127.0.0.1:${(front.address() as { port: number }).port}`);
  const answer = () => {
    answering = true;
    for (const client of waiting.splice(0)) forward(client);
  };
  cleanups.push(async () => {
    answer();
    front.close();
    await catcher.stop();
  });
  return { catcher, contacted, answer };
}

/** A password sign-in as the sign-in form sends it, from a client address of its own. */
const formSignIn = (email: string, password: string) => signInThroughNextAuth({ email, password }, freshIp());

const lockoutMailsTo = (catcher: SmtpCatcher, email: string) =>
  catcher.messages().filter((mail) => mail.envelope.to.includes(email) && /locked/i.test(mail.subject));

describe("lockout email and unlock link", () => {
  it("emails the owner a single-use unlock link that ends the lock", async () => {
    const user = await createTestUser();
    await lockOutBySignInFailures(user.email);
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).lockedUntil).not.toBeNull();

    const mails = (await listDevMail()).filter((mail) => mail.to === user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toMatch(/locked/i);
    const token = mails[0]?.text.match(/\/unlock\?token=([A-Za-z0-9_-]+)/)?.[1];
    expect(token).toBeDefined();
    // Only the token's hash is stored.
    const stored = await testDb().authToken.findFirstOrThrow({
      omit: { tokenHash: false },
      where: { userId: user.id, purpose: "ACCOUNT_UNLOCK" },
    });
    expect(stored.tokenHash).not.toContain(token as string);

    expect(await unlockAccount(token as string)).toEqual({ ok: true, userId: user.id });
    const unlocked = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(unlocked).toMatchObject({ lockedUntil: null, failedSignInCount: 0 });
    expect(await unlockAccount(token as string)).toEqual({ ok: false, reason: "invalid_or_expired" });
    expect(await testDb().auditEvent.count({ where: { action: "auth.unlock", actorId: user.id } })).toBe(1);
  });

  it("lets the owner sign in with the right password right after following the link", async () => {
    const user = await createTestUser();
    await lockOutBySignInFailures(user.email);
    // Locked: the right password is refused too.
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({ ok: false });

    const token = linkToken((await mailTo(user.email))[0], "/unlock");
    expect(await unlockAccount(token)).toEqual({ ok: true, userId: user.id });
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({ ok: true, userId: user.id });
  });

  it("answers the failure that locks the account without waiting for the lockout email", async () => {
    const user = await createTestUser();
    const mailServer = await slowMailServer();
    for (let i = 1; i < LOCKOUT.maxFailures; i++) {
      await signInWithPassword({ email: user.email, password: `wrong ${i}`, ip: freshIp() });
    }
    const locking = signInWithPassword({ email: user.email, password: "wrong again", ip: freshIp() });
    // Waiting for the mail would make this answer slower only when the address has an account.
    const first = await Promise.race([
      locking.then(() => "the answer"),
      mailServer.contacted.then(() => "a connection to the mail server"),
    ]);
    expect(first).toBe("the answer");
    const outcome = await locking;
    expect(outcome).toMatchObject({ ok: false, code: "invalid_credentials" });

    // The email still goes out once the mail server answers.
    mailServer.answer();
    await outcome.background;
    expect(lockoutMailsTo(mailServer.catcher, user.email)).toHaveLength(1);
    expect(await testDb().auditEvent.count({ where: { action: "auth.lockout", targetId: user.id } })).toBe(1);
  });

  it("through next-auth's sign-in endpoint, answers first and sends the lockout email after the answer", async () => {
    const user = await createTestUser();
    const mailServer = await slowMailServer();
    for (let i = 1; i < LOCKOUT.maxFailures; i++) {
      const attempt = await formSignIn(user.email, `wrong ${i}`);
      expect((await attempt.finished).status).toBe(401);
    }
    const locking = await formSignIn(user.email, "wrong again");
    const first = await Promise.race([
      locking.answered.then(() => "the answer"),
      mailServer.contacted.then(() => "a connection to the mail server"),
    ]);
    expect(first).toBe("the answer");
    expect((await locking.answered).status).toBe(401);

    // The request isn't over until the work handed to after() is: the email goes out.
    mailServer.answer();
    await locking.finished;
    expect(lockoutMailsTo(mailServer.catcher, user.email)).toHaveLength(1);
  });

  it("sends the lockout email before authorize returns when there is no request to answer (a script)", async () => {
    const user = await createTestUser();
    const mailServer = await slowMailServer();
    mailServer.answer();
    const [credentials] = authOptions().providers as unknown as {
      options: { authorize(credentials: object, request: object): Promise<unknown> };
    }[];
    for (let i = 0; i < LOCKOUT.maxFailures; i++) {
      const answer = await credentials?.options.authorize(
        { email: user.email, password: `wrong ${i}` },
        { headers: { "x-forwarded-for": freshIp(), "user-agent": "vitest" } },
      );
      expect(answer).toBeNull();
    }
    expect(lockoutMailsTo(mailServer.catcher, user.email)).toHaveLength(1);
  });

  it("logs a lockout email that can't be delivered, with the account's id", async () => {
    const user = await createTestUser();
    const catcher = await startSmtpCatcher({
      refuseRecipient: (address) =>
        address === user.email ? { code: 550, message: "5.1.1 Mailbox unavailable" } : undefined,
    });
    vi.stubEnv("SMTP_URL", catcher.url);
    cleanups.push(() => catcher.stop());
    const error = vi.spyOn(logger, "error");

    await lockOutBySignInFailures(user.email);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ userId: user.id }),
      expect.stringMatching(/lockout email could not be sent/),
    );
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).lockedUntil).not.toBeNull();
  });

  it("refuses an unknown or expired token", async () => {
    expect(await unlockAccount("not-a-real-token-at-all-0123456789")).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
  });
});
