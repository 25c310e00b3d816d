// Requests that Next.js itself answered with a 500 before any of the app's code ran (a TRACE, an
// oversized or unreadable server-action post, a huge body for next-auth), and hostile text in a path
// or a callback URL, sent raw to the production server: each gets a 4xx in the API's error shape.
// proxy.ts and the route wrapper answer them; tests/integration/proxy.test.ts and
// hostile-text.test.ts check the same in-process, this checks them against `next start`.
import { request as httpRequest } from "node:http";
import { expect, test } from "@playwright/test";
import { freshClientIp } from "./fixtures";
import { appPort } from "./ports";

type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * One HTTP/1.1 request as a client would send it, with any method (browsers' fetch refuses TRACE).
 * `body` as a Buffer is sent with its Content-Length; as chunks, chunked with none.
 */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | Buffer[],
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port: appPort,
        method,
        path,
        headers: {
          "x-forwarded-for": freshClientIp(),
          ...(Buffer.isBuffer(body) ? { "content-length": String(body.length) } : {}),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    // The server may answer and close before reading a refused body: that's the point.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    if (Array.isArray(body)) for (const chunk of body) request.write(chunk);
    else if (body) request.write(body);
    request.end();
  });
}

const errorCode = (answer: RawAnswer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

test.describe("requests Next.js would answer with a 500", () => {
  test("TRACE (a method the app doesn't have) is a 405 with Allow", async () => {
    for (const path of ["/", "/api/health", "/sign-in"]) {
      const answer = await raw("TRACE", path);
      expect(answer.status, `${path}: ${answer.body}`).toBe(405);
      expect(String(answer.headers.allow)).toContain("POST");
      expect(errorCode(answer)).toBe("method_not_allowed");
    }
  });

  test("a server-action post over the limit is a 413, one that doesn't parse a 400", async () => {
    const boundary = "----shipshape";
    const big = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="1_name"\r\n\r\n${"x".repeat(200_000)}\r\n--${boundary}--\r\n`,
    );
    const tooLarge = await raw(
      "POST",
      "/sign-up",
      { "next-action": "0".repeat(42), "content-type": `multipart/form-data; boundary=${boundary}` },
      big,
    );
    expect(tooLarge.status, tooLarge.body).toBe(413);
    expect(errorCode(tooLarge)).toBe("payload_too_large");

    // Sent chunked, without a Content-Length: counted while read.
    const chunked = await raw(
      "POST",
      "/sign-up",
      { "next-action": "0".repeat(42), "content-type": `multipart/form-data; boundary=${boundary}` },
      [big.subarray(0, 100_000), big.subarray(100_000)],
    );
    expect(chunked.status, chunked.body).toBe(413);

    // Next.js answered the last one "500: Failed to parse body as FormData".
    for (const headers of <Record<string, string>[]>[
      { "next-action": "0".repeat(42), "content-type": "application/json" },
      { "next-action": "0".repeat(42), "content-type": "multipart/form-data" },
      { "content-type": `multipart/form-data; boundary=${boundary}` },
    ]) {
      const unreadable = await raw("POST", "/sign-up", headers, Buffer.from("{not a form"));
      expect(unreadable.status, `${JSON.stringify(headers)}: ${unreadable.body}`).toBe(400);
      expect(errorCode(unreadable)).toBe("invalid_body");
    }
  });

  test("next-auth's endpoints refuse a large body, with or without a Content-Length", async () => {
    const form = `email=a%40example.com&password=${"x".repeat(300_000)}`;
    const declared = await raw(
      "POST",
      "/api/auth/callback/credentials",
      { "content-type": "application/x-www-form-urlencoded" },
      Buffer.from(form),
    );
    expect(declared.status, declared.body).toBe(413);
    expect(errorCode(declared)).toBe("payload_too_large");

    const chunks = Array.from({ length: 30 }, () => Buffer.from("x".repeat(10_000)));
    const chunked = await raw(
      "POST",
      "/api/auth/callback/credentials",
      { "content-type": "application/x-www-form-urlencoded" },
      chunks,
    );
    expect(chunked.status, chunked.body).toBe(413);
    expect(errorCode(chunked)).toBe("payload_too_large");
  });
});

test.describe("hostile text", () => {
  test("a NUL in an API path is a 400 naming the field, not a database error", async () => {
    for (const path of ["/api/orgs/%00", "/api/orgs/%00/projects", "/api/orgs/acme%00/members"]) {
      const answer = await raw("GET", path);
      expect(answer.status, `${path}: ${answer.body}`).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({
        error: { code: "invalid_input", fields: { org: [expect.any(String)] } },
      });
    }
  });

  test("a callbackUrl that doesn't parse doesn't break sign-in", async ({ request }) => {
    const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const response = await request.post("/api/auth/callback/credentials", {
      form: {
        email: "nobody@example.com",
        password: "not the password",
        csrfToken,
        callbackUrl: "http://host:port.evil.example/",
        json: "true",
      },
      headers: { "x-forwarded-for": freshClientIp() },
    });
    expect(response.status()).toBeLessThan(500);
    const { url } = (await response.json()) as { url: string };
    expect(new URL(url).host).toBe(`127.0.0.1:${appPort}`);
  });
});
