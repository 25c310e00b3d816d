// A small local stand-in for Stripe's HTTP API: the endpoints the app calls, answered the way Stripe
// answers them, with every request recorded (method, path, Idempotency-Key, parsed form body) so
// tests can assert what the app sent. The app's real Stripe SDK talks to it through
// STRIPE_API_BASE_URL (tests only). Everything else about billing (signing webhooks) uses the real SDK.
//
//   POST /v1/customers                 GET /v1/customers/:id
//   POST /v1/customers/:id (update)    DELETE /v1/customers/:id (then GET answers { deleted: true })
//   POST /v1/checkout/sessions         (url → GET /checkout/:id, a page saying where you are)
//   GET  /v1/checkout/sessions/:id     POST /v1/checkout/sessions/:id/expire (only while open)
//   POST /v1/billing_portal/sessions   (url → GET /portal/:id)
//   GET  /v1/subscriptions/:id         DELETE /v1/subscriptions/:id (cancel now)
//   GET  /v1/subscriptions?customer=…  (a list: the customer's subscriptions, newest first)
//   GET  /v1/charges/:id               POST /v1/refunds
//
// Idempotency as Stripe does it: a repeated Idempotency-Key with the same request replays the first
// response; with a different request it is a 400 idempotency_error.
//
// Control endpoints for tests in another process (the e2e suite): GET /__fake/requests, DELETE
// /__fake/requests (forget everything), GET /__fake/customers, POST /__fake/charges and
// /__fake/subscriptions (JSON objects to serve), POST /__fake/fail ({ count, status }: the next
// requests fail, for "Stripe is down"), POST /__fake/checkout/:id/complete ({ subscription }: the
// customer paid, as Stripe's hosted page would record it).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedRequest = {
  method: string;
  path: string;
  idempotencyKey: string | null;
  /** The Bearer key the SDK sent (a test key). */
  apiKey: string | null;
  body: Record<string, unknown>;
};

type StripeObject = Record<string, unknown> & { id: string };

export type FakeStripe = {
  url: string;
  port: number;
  requests(): RecordedRequest[];
  /** Requests to one endpoint, such as "POST /v1/customers". */
  requestsTo(endpoint: string): RecordedRequest[];
  customers(): StripeObject[];
  /** Serve this customer, as if a checkout had created it. */
  addCustomer(customer: { id: string; email: string | null; name: string | null }): void;
  addCharge(charge: { id: string; customer: string; amount: number; currency?: string }): void;
  addSubscription(subscription: StripeObject): void;
  /** The customer finished paying on Checkout: the session becomes `complete` with `subscription`. */
  completeCheckout(sessionId: string, subscriptionId: string): void;
  checkoutSession(sessionId: string): StripeObject | undefined;
  failNext(count: number, status?: number): void;
  /** Forgets every request, object and idempotency key. */
  reset(): void;
  close(): Promise<void>;
};

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;
const now = () => Math.floor(Date.now() / 1000);

/** Stripe's form encoding (`metadata[orgId]=…&line_items[0][price]=…`) back to nested objects and arrays. */
export function parseStripeForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> = root;
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
      } else {
        node[segment] ??= {};
        node = node[segment] as Record<string, unknown>;
      }
    });
  }
  return arraysFromIndexes(root) as Record<string, unknown>;
}

function arraysFromIndexes(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).map(([key, inner]) => [key, arraysFromIndexes(inner)] as const);
  if (entries.length > 0 && entries.every(([key]) => /^\d+$/.test(key))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, inner]) => inner);
  }
  return Object.fromEntries(entries);
}

function stripeError(status: number, type: string, message: string, code?: string) {
  return { status, body: { error: { type, message, ...(code ? { code } : {}) } } };
}

const missing = (what: string, key: string) =>
  stripeError(404, "invalid_request_error", `No such ${what}: '${key}'`, "resource_missing");

export async function startFakeStripe(port = 0): Promise<FakeStripe> {
  const recorded: RecordedRequest[] = [];
  const customers = new Map<string, StripeObject>();
  const deletedCustomers = new Set<string>();
  const charges = new Map<string, StripeObject>();
  const subscriptions = new Map<string, StripeObject>();
  const checkoutSessions = new Map<string, StripeObject>();
  const idempotent = new Map<string, { request: string; status: number; body: unknown }>();
  let failures = { count: 0, status: 500 };
  let base = "";

  function answerApi(
    method: string,
    path: string,
    body: Record<string, unknown>,
    query: URLSearchParams,
  ): { status: number; body: unknown } {
    const [, , resource, key, sub] = path.split("/"); // "", "v1", resource, id?, …
    if (method === "POST" && path === "/v1/customers") {
      const customer = {
        id: id("cus"),
        object: "customer",
        created: now(),
        email: body.email ?? null,
        name: body.name ?? null,
        metadata: body.metadata ?? {},
      };
      customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (method === "GET" && resource === "customers" && key) {
      const customer = customers.get(key);
      if (deletedCustomers.has(key))
        return { status: 200, body: { id: key, object: "customer", deleted: true } };
      return customer ? { status: 200, body: customer } : missing("customer", key);
    }
    if (method === "POST" && resource === "customers" && key && !sub) {
      const customer = customers.get(key);
      if (!customer) return missing("customer", key);
      for (const field of ["email", "name"] as const) {
        // Stripe's form encoding sends "" to unset a field.
        if (field in body) customer[field] = body[field] === "" ? null : body[field];
      }
      return { status: 200, body: customer };
    }
    if (method === "DELETE" && resource === "customers" && key) {
      if (!customers.has(key)) return missing("customer", key);
      customers.delete(key);
      deletedCustomers.add(key);
      return { status: 200, body: { id: key, object: "customer", deleted: true } };
    }
    if (method === "POST" && path === "/v1/checkout/sessions") {
      const customer = body.customer as string | undefined;
      if (customer && !customers.has(customer)) return missing("customer", customer);
      const sessionId = id("cs_test");
      const session = {
        id: sessionId,
        object: "checkout.session",
        created: now(),
        expires_at: now() + 24 * 60 * 60,
        mode: body.mode,
        status: "open",
        customer: customer ?? null,
        client_reference_id: body.client_reference_id ?? null,
        metadata: body.metadata ?? {},
        subscription: null,
        success_url: body.success_url,
        cancel_url: body.cancel_url,
        url: `${base}/checkout/${sessionId}`,
      };
      checkoutSessions.set(sessionId, session);
      return { status: 200, body: session };
    }
    if (resource === "checkout" && key === "sessions" && sub) {
      const sessionId = sub;
      const session = checkoutSessions.get(sessionId);
      if (!session) return missing("checkout.session", sessionId);
      const action = path.split("/")[5];
      if (method === "GET" && !action) return { status: 200, body: session };
      if (method === "POST" && action === "expire") {
        if (session.status !== "open") {
          return stripeError(
            400,
            "invalid_request_error",
            `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
          );
        }
        Object.assign(session, { status: "expired", url: null });
        return { status: 200, body: session };
      }
    }
    if (method === "POST" && path === "/v1/billing_portal/sessions") {
      const customer = body.customer as string;
      if (!customers.has(customer)) return missing("customer", customer);
      const sessionId = id("bps");
      return {
        status: 200,
        body: {
          id: sessionId,
          object: "billing_portal.session",
          created: now(),
          customer,
          return_url: body.return_url ?? null,
          url: `${base}/portal/${sessionId}`,
        },
      };
    }
    if (method === "GET" && path === "/v1/subscriptions") {
      const customer = query.get("customer");
      const data = [...subscriptions.values()]
        .filter((subscription) => !customer || subscription.customer === customer)
        .sort((a, b) => Number(b.created ?? 0) - Number(a.created ?? 0));
      return { status: 200, body: { object: "list", url: "/v1/subscriptions", has_more: false, data } };
    }
    if (resource === "subscriptions" && key && !sub) {
      const subscription = subscriptions.get(key);
      if (!subscription) return missing("subscription", key);
      if (method === "DELETE") {
        Object.assign(subscription, { status: "canceled", canceled_at: now(), ended_at: now() });
      }
      return { status: 200, body: subscription };
    }
    if (method === "GET" && resource === "charges" && key) {
      const charge = charges.get(key);
      return charge ? { status: 200, body: charge } : missing("charge", key);
    }
    if (method === "POST" && path === "/v1/refunds") {
      const chargeId = body.charge as string;
      const charge = charges.get(chargeId);
      if (!charge) return missing("charge", chargeId);
      const left = (charge.amount as number) - (charge.amount_refunded as number);
      if (left === 0) {
        return stripeError(
          400,
          "invalid_request_error",
          `Charge ${chargeId} has already been refunded.`,
          "charge_already_refunded",
        );
      }
      const amount = body.amount === undefined ? left : Number(body.amount);
      if (amount > left) {
        return stripeError(
          400,
          "invalid_request_error",
          `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
          "amount_too_large",
        );
      }
      charge.amount_refunded = (charge.amount_refunded as number) + amount;
      charge.refunded = charge.amount_refunded === charge.amount;
      return {
        status: 200,
        body: {
          id: id("re"),
          object: "refund",
          created: now(),
          amount,
          charge: chargeId,
          currency: charge.currency,
          reason: body.reason ?? null,
          metadata: body.metadata ?? {},
          status: "succeeded",
        },
      };
    }
    return stripeError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
  }

  function handleApi(
    req: IncomingMessage,
    path: string,
    query: URLSearchParams,
    text: string,
  ): { status: number; body: unknown } {
    const method = req.method ?? "GET";
    const body = parseStripeForm(text);
    const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null;
    const authorization = req.headers.authorization ?? "";
    recorded.push({
      method,
      path,
      idempotencyKey,
      apiKey: authorization.replace(/^Bearer /, "") || null,
      body,
    });
    if (!authorization.startsWith("Bearer sk_test_")) {
      return stripeError(401, "invalid_request_error", "Invalid API Key provided.");
    }
    if (failures.count > 0) {
      failures.count--;
      return stripeError(failures.status, "api_error", "The fake is failing on purpose.");
    }
    if (method !== "POST" || !idempotencyKey) return answerApi(method, path, body, query);
    const signature = `${method} ${path} ${text}`;
    const earlier = idempotent.get(idempotencyKey);
    if (earlier) {
      if (earlier.request !== signature) {
        return stripeError(
          400,
          "idempotency_error",
          "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        );
      }
      return earlier;
    }
    const answer = answerApi(method, path, body, query);
    idempotent.set(idempotencyKey, { request: signature, ...answer });
    return answer;
  }

  function handleControl(
    req: IncomingMessage,
    path: string,
    text: string,
  ): { status: number; body: unknown } {
    const json = () => JSON.parse(text || "{}") as Record<string, unknown>;
    if (path === "/__fake/requests" && req.method === "GET") return { status: 200, body: recorded };
    if (path === "/__fake/requests" && req.method === "DELETE") {
      fake.reset();
      return { status: 200, body: {} };
    }
    if (path === "/__fake/customers") return { status: 200, body: [...customers.values()] };
    if (path === "/__fake/charges" && req.method === "POST") {
      fake.addCharge(json() as Parameters<FakeStripe["addCharge"]>[0]);
      return { status: 200, body: {} };
    }
    if (path === "/__fake/subscriptions" && req.method === "POST") {
      fake.addSubscription(json() as StripeObject);
      return { status: 200, body: {} };
    }
    const completing = /^\/__fake\/checkout\/([^/]+)\/complete$/.exec(path);
    if (completing?.[1] && req.method === "POST") {
      fake.completeCheckout(completing[1], (json() as { subscription: string }).subscription);
      return { status: 200, body: {} };
    }
    if (path === "/__fake/fail" && req.method === "POST") {
      const { count, status } = json() as { count: number; status?: number };
      fake.failNext(count, status);
      return { status: 200, body: {} };
    }
    return { status: 404, body: { error: "unknown control endpoint" } };
  }

  function page(res: ServerResponse, title: string, sessionId: string): void {
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
          `<body><main><h1>${title}</h1><p>Session ${sessionId}</p></main></body></html>`,
      );
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const { pathname: path, searchParams } = new URL(req.url ?? "/", "http://fake");
      if (req.method === "GET" && path.startsWith("/checkout/"))
        return page(res, "Fake Stripe Checkout", path.slice(10));
      if (req.method === "GET" && path.startsWith("/portal/"))
        return page(res, "Fake Stripe billing portal", path.slice(8));
      if (req.method === "GET" && path === "/") {
        res.writeHead(200).end("fake stripe");
        return;
      }
      if (!path.startsWith("/v1/") && !path.startsWith("/__fake/")) {
        res.writeHead(404).end(); // a browser's /favicon.ico on the fake pages: not an API request
        return;
      }
      let answer: { status: number; body: unknown };
      try {
        answer = path.startsWith("/__fake/")
          ? handleControl(req, path, text)
          : handleApi(req, path, searchParams, text);
      } catch (error) {
        answer = stripeError(500, "api_error", `fake stripe: ${(error as Error).message}`);
      }
      res
        .writeHead(answer.status, { "content-type": "application/json", "request-id": id("req") })
        .end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actualPort = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${actualPort}`;

  const fake: FakeStripe = {
    url: base,
    port: actualPort,
    requests: () => [...recorded],
    requestsTo: (endpoint) => recorded.filter((request) => `${request.method} ${request.path}` === endpoint),
    customers: () => [...customers.values()],
    addCustomer: (customer) =>
      customers.set(customer.id, { object: "customer", created: now(), metadata: {}, ...customer }),
    addCharge: (charge) =>
      charges.set(charge.id, {
        object: "charge",
        currency: "usd",
        amount_refunded: 0,
        refunded: false,
        created: now(),
        ...charge,
      }),
    addSubscription: (subscription) =>
      subscriptions.set(subscription.id, { object: "subscription", ...subscription }),
    completeCheckout: (sessionId, subscriptionId) => {
      const session = checkoutSessions.get(sessionId);
      if (!session) throw new Error(`fake stripe: no checkout session ${sessionId}`);
      Object.assign(session, { status: "complete", subscription: subscriptionId, url: null });
    },
    checkoutSession: (sessionId) => checkoutSessions.get(sessionId),
    failNext: (count, status = 500) => {
      failures = { count, status };
    },
    reset: () => {
      recorded.length = 0;
      for (const store of [customers, charges, subscriptions, checkoutSessions, idempotent]) store.clear();
      deletedCustomers.clear();
      failures = { count: 0, status: 500 };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return fake;
}

// Run directly (Playwright's webServer does): tsx tests/support/fake-stripe.ts <port>
if (process.argv[1]?.endsWith("fake-stripe.ts")) {
  const port = Number(process.argv[2] ?? process.env.FAKE_STRIPE_PORT ?? 12111);
  startFakeStripe(port).then(({ url }) => console.log(`fake stripe listening on ${url}`));
}
