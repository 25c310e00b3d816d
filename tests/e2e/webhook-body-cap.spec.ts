import { request as httpRequest, type IncomingMessage } from "node:http";
import { signatureFor, stripeEvent, stripeId } from "../support/stripe-events";
import { expect, test } from "./fixtures";
import { appPort } from "./ports";

// The Stripe webhook's 256 KiB cap against the real server (`next start`): what the route does is
// only half of it, because anything in front of the route that reads the body first (Next.js buffers
// a body for proxy.ts, up to 10 MB) would make the server hold megabytes, or wait forever for a body
// that never comes, before the route can refuse it. Each request here sends less than it declares,
// or never ends its body: an answer at all is the proof that nothing waited for the whole body.

const WEBHOOK = "/api/webhooks/stripe";

/** Opens a POST to the webhook with `headers`; the caller writes (or doesn't write) the body. */
function openPost(headers: Record<string, string>) {
  const request = httpRequest({ host: "127.0.0.1", port: appPort, path: WEBHOOK, method: "POST", headers });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on("response", (response: IncomingMessage) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    // The server closing the socket on an unfinished upload is fine once it has answered.
    request.on("error", reject);
  });
  return { request, answered };
}

test("a request declaring 50 MB is refused with 413 from its headers alone", async () => {
  const { request, answered } = openPost({
    "content-type": "application/json",
    "content-length": String(50 * 1024 * 1024),
    "stripe-signature": "t=1,v1=00",
  });
  request.flushHeaders(); // headers only: the 50 MB never follow
  const answer = await answered;
  request.destroy();
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body).error.code).toBe("payload_too_large");
});

test("a chunked body past the cap is refused with 413 while it is still arriving", async () => {
  const { request, answered } = openPost({
    "content-type": "application/json",
    "transfer-encoding": "chunked",
    "stripe-signature": "t=1,v1=00",
  });
  // 320 KiB, over the 256 KiB cap, and then the body stays open: only a streamed cap answers.
  const chunk = Buffer.alloc(64 * 1024, "x");
  for (let sent = 0; sent < 5; sent++) request.write(chunk);
  const answer = await answered;
  request.destroy();
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body).error.code).toBe("payload_too_large");
});

test("a signed event still reaches the route: stored and acknowledged", async ({ request }) => {
  const event = stripeEvent("payout.paid", { id: stripeId("po"), object: "payout" });
  const payload = JSON.stringify(event);
  const response = await request.post(WEBHOOK, {
    headers: { "content-type": "application/json", "stripe-signature": signatureFor(payload) },
    data: payload,
  });
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ received: true, status: "ignored", eventId: event.id });
});
