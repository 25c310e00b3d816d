// lib/security/node-server.ts on a real Node HTTP server: TRACE, which Next.js can't turn into a
// Request (it answers 500), is a 405 before the server's handler runs; other methods pass.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refuseUnansweredMethods } from "@/lib/security/node-server";

let server: Server;
const handled: string[] = [];

beforeAll(async () => {
  // A server that exists before the hook is installed, as Next's does when instrumentation runs.
  server = createServer((request, response) => {
    handled.push(request.method ?? "");
    response.end("handled");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  refuseUnansweredMethods();
  refuseUnansweredMethods(); // idempotent
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(method: string): Promise<{ status: number; allow?: string; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, method, path: "/" }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, allow: response.headers.allow, body }),
      );
    });
    request.on("error", reject);
    request.end();
  });
}

describe("refuseUnansweredMethods", () => {
  it("answers TRACE with a 405 in the API's error shape, without running the handler", async () => {
    const answer = await send("TRACE");
    expect(answer.status).toBe(405);
    expect(answer.allow).toContain("GET");
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: "method_not_allowed", message: "TRACE is not a method this site answers." },
    });
    expect(handled).toEqual([]);
  });

  it("leaves every other method to the server", async () => {
    for (const method of ["GET", "POST", "PROPFIND"]) expect((await send(method)).status).toBe(200);
    expect(handled).toEqual(["GET", "POST", "PROPFIND"]);
  });
});
