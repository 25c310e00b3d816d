// Stripe's webhook. No session or CSRF applies: the signature is the credential. Refuses at once
// (503) without a signing secret, caps the body before reading it (413; proxy.ts leaves this path out
// so that Next.js doesn't buffer the body ahead of the cap), then lib/billing verifies the
// signature (400) and applies the event exactly once, in order (200; a duplicate is a 200 no-op). An
// effect that fails answers 500 through the wrapper, which logs it and reports it to Sentry; Stripe
// retries, and `npm run billing:replay <eventId>` re-applies it once fixed.
import { receiveStripeEvent, WEBHOOK_MAX_BYTES, webhookConfigured } from "@/lib/billing";
import { apiError, readTextBody, route } from "@/lib/http";

export const dynamic = "force-dynamic";

export const POST = route(
  { auth: "public", rateLimit: { exempt: "Stripe retries; verified by signature" }, input: {} },
  async ({ request }) => {
    if (!webhookConfigured()) {
      return apiError(
        503,
        "webhook_not_configured",
        "The Stripe webhook is not configured on this server: set STRIPE_WEBHOOK_SECRET.",
      );
    }
    const body = await readTextBody(request, { maxBytes: WEBHOOK_MAX_BYTES });
    if (!body.ok) return body.response;
    const result = await receiveStripeEvent(body.value, request.headers.get("stripe-signature"));
    return { received: true, ...result };
  },
);
