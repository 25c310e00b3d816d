// Which requests proxy.ts runs on. For every request it selects, Next.js reads the whole body into
// memory first (up to 10 MB, to hand the proxy a copy), and the route sees the request only once the
// body has ended: no cap in a route could refuse a large body before that. The Stripe webhook is
// public and reads its body under its own streamed cap, so the proxy must not select it.
// The behaviour on a real server: tests/e2e/webhook-body-cap.spec.ts.
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { describe, expect, it } from "vitest";
import { config } from "@/proxy";

const selects = (path: string) =>
  unstable_doesMiddlewareMatch({ config, url: `http://localhost:3000${path}` });

describe("proxy.ts matcher", () => {
  it("leaves the Stripe webhook alone, so its body is never buffered ahead of the route's cap", () => {
    expect(selects("/api/webhooks/stripe")).toBe(false);
  });

  it("still runs on pages and the other API routes (request id, CSP, page limits, session renewal)", () => {
    for (const path of [
      "/",
      "/acme/billing",
      "/api/health",
      "/api/orgs/acme/projects",
      "/api/auth/session",
    ]) {
      expect({ path, selected: selects(path) }).toEqual({ path, selected: true });
    }
  });
});
