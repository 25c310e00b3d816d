import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, REDACTED, withRequestContext } from "@/lib/log";

/** A logger whose JSON lines are collected in memory, so the test reads exactly what would be written. */
function capture(secrets: string[] = []) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json", destination, secrets });
  return { logger, lines, raw };
}

describe("log redaction", () => {
  it("redacts passwords, tokens, cookies and the authorization header at any depth", () => {
    const { logger, lines, raw } = capture();
    logger.info(
      {
        password: "hunter2-password",
        user: { email: "a@example.com", newPassword: "another-password" },
        resetToken: "reset-token-value",
        req: {
          headers: {
            authorization: "Bearer eyJhbGciOi.jwt.value",
            cookie: "next-auth.session-token=cookie-value",
            "user-agent": "test-agent",
          },
        },
        nested: [{ deep: { deeper: { apiKey: "api-key-value", clientSecret: "client-secret-value" } } }],
        mfa: { totp: "123456", recoveryCode: "ABCD-EFGH" },
      },
      "sign-in attempt",
    );
    // biome-ignore lint/suspicious/noExplicitAny: a parsed JSON log line, read by path below.
    const line = lines[0] as Record<string, any>;
    expect(line.password).toBe(REDACTED);
    expect(line.user.newPassword).toBe(REDACTED);
    expect(line.user.email).toBe("a@example.com");
    expect(line.resetToken).toBe(REDACTED);
    expect(line.req.headers.authorization).toBe(REDACTED);
    expect(line.req.headers.cookie).toBe(REDACTED);
    expect(line.req.headers["user-agent"]).toBe("test-agent");
    expect(line.nested[0].deep.deeper.apiKey).toBe(REDACTED);
    expect(line.nested[0].deep.deeper.clientSecret).toBe(REDACTED);
    expect(line.mfa.totp).toBe(REDACTED);
    expect(line.mfa.recoveryCode).toBe(REDACTED);
    for (const secret of [
      "hunter2",
      "another-password",
      "reset-token-value",
      "eyJhbGciOi",
      "cookie-value",
      "api-key-value",
      "ABCD-EFGH",
    ]) {
      expect(raw.join("")).not.toContain(secret);
    }
  });

  it("cuts the value of a secret env var out of messages and error text wherever it appears", () => {
    const databaseUrl = "postgresql://app:s3cr3t-db-pass@db.internal:5432/app";
    const { logger, raw } = capture(["sk_live_0123456789abcdef", databaseUrl]);
    logger.error(
      { err: new Error(`connect failed for ${databaseUrl}`), note: "key sk_live_0123456789abcdef was used" },
      `could not reach ${databaseUrl}`,
    );
    const text = raw.join("");
    expect(text).not.toContain("s3cr3t-db-pass");
    expect(text).not.toContain("sk_live_0123456789abcdef");
    expect(text).toContain(REDACTED);
  });

  it("puts the request id on every line written inside a request context", async () => {
    const { logger, lines } = capture();
    await withRequestContext({ requestId: "req-abc-123" }, async () => {
      logger.info("first");
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.warn({ detail: 1 }, "second, after an await");
    });
    logger.info("outside");
    expect(lines.map((l) => l.requestId)).toEqual(["req-abc-123", "req-abc-123", undefined]);
  });

  it("writes JSON with a level label and an ISO time", () => {
    const { logger, lines } = capture();
    logger.info("hello");
    expect(lines[0]).toMatchObject({ level: "info", msg: "hello", service: "shipshape" });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});

describe("errors in log lines", () => {
  it("keep their type, message and stack", () => {
    const { logger, lines } = capture();
    logger.error({ err: new TypeError("bad input") }, "failed");
    expect(lines[0]?.err).toMatchObject({
      type: "TypeError",
      message: "bad input",
      stack: expect.stringContaining("TypeError"),
    });
  });
});
