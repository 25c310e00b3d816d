import { describe, expect, it } from "vitest";
import { readJsonBody } from "@/lib/http";

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://localhost/api/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

async function errorOf(result: Awaited<ReturnType<typeof readJsonBody>>) {
  if (result.ok) throw new Error("expected a refusal");
  return { status: result.response.status, body: await result.response.json() };
}

describe("readJsonBody", () => {
  it("parses a JSON body", async () => {
    expect(await readJsonBody(post(JSON.stringify({ email: "a@example.com" })))).toEqual({
      ok: true,
      value: { email: "a@example.com" },
    });
  });

  it("answers 413 for a body over the limit, and accepts one at the limit", async () => {
    const exactly = JSON.stringify("x".repeat(98));
    expect(exactly).toHaveLength(100);
    expect((await readJsonBody(post(exactly), { maxBytes: 100 })).ok).toBe(true);

    const refusal = await errorOf(await readJsonBody(post(`"${"x".repeat(200)}"`), { maxBytes: 100 }));
    expect(refusal).toEqual({
      status: 413,
      body: { error: { code: "payload_too_large", message: "The request body is larger than 100 bytes." } },
    });
  });

  it("refuses a too-large Content-Length before reading anything", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new TextEncoder().encode("{}"));
        controller.close();
      },
    });
    const result = await readJsonBody(post(stream, { "content-length": "5000000" }));
    expect((await errorOf(result)).status).toBe(413);
    expect(pulled).toBe(0);
  });

  it("stops reading an endless body just past the limit", async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += 1;
          controller.enqueue(new Uint8Array(1024).fill(32));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const result = await readJsonBody(post(endless), { maxBytes: 10_000 });
    expect((await errorOf(result)).status).toBe(413);
    expect(cancelled).toBe(true);
    // 10 chunks fit in 10,000 bytes; the 11th passes the limit. Allow for read-ahead.
    expect(pulled).toBeLessThan(20);
  });

  it("answers 400 invalid_json for bad JSON, an empty body and invalid UTF-8", async () => {
    for (const body of ['{"email": ', "", null, new Uint8Array([0x7b, 0xff, 0x7d])]) {
      const refusal = await errorOf(await readJsonBody(post(body)));
      expect(refusal.status).toBe(400);
      expect(refusal.body.error.code).toBe("invalid_json");
    }
  });
});
