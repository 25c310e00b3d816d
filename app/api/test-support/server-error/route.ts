// Throws on purpose, so the e2e suite can prove that server errors reach Sentry with the request id
// and without cookies. Answers 404 unless ENABLE_TEST_ROUTES=true (never set in a deployment).
import { serverEnv } from "@/lib/env";
import { apiError, route } from "@/lib/http";

export const dynamic = "force-dynamic";

export const GET = route(
  { auth: "public", rateLimit: { exempt: "test-only; 404 unless ENABLE_TEST_ROUTES=true" }, input: {} },
  () => {
    if (!serverEnv().ENABLE_TEST_ROUTES) return apiError(404, "not_found", "No API route matches this path.");
    throw new Error("Deliberate server error from /api/test-support/server-error");
  },
);
