import type { NextConfig } from "next";
import { SERVER_ACTION_BODY_MAX_BYTES, staticSecurityHeaders } from "./lib/security";

const isProduction = process.env.NODE_ENV === "production";

const nextConfig: NextConfig = {
  // No X-Powered-By: it tells attackers which framework to aim at.
  poweredByHeader: false,
  // Loaded with Node's require at run time instead of being bundled: pino's worker-based transports
  // and Prisma's generated client don't survive bundling.
  serverExternalPackages: ["pino", "pino-pretty"],
  experimental: {
    // Server rows of issue 18, decision 0038 (owner: the server-performance change; keep on merge):
    // - No persistent Turbopack cache written by `next build`: CI, Docker and deploys build from a
    //   clean tree and never read it back, and writing it cost about a third of the build's CPU.
    //   (`next dev` keeps its own cache, which a second start does read.)
    turbopackFileSystemCacheForBuild: false,
    // - `next start` loads a page's or route's code when it is first requested, not every route at
    //   boot: an instance holds only the code of what it serves (less resident memory), and the
    //   first request to each route pays its load once.
    preloadEntriesOnStart: false,
    // The forms post a few fields; route handlers' JSON bodies are capped at 100 KB (lib/http/body.ts),
    // and server actions get the same ceiling instead of Next.js's 1 MB default (proxy.ts answers 413
    // past it, where Next.js would answer 500).
    serverActions: { bodySizeLimit: SERVER_ACTION_BODY_MAX_BYTES },
  },
  async headers() {
    // The Content-Security-Policy is per request (it carries a nonce), so proxy.ts sets it.
    return [{ source: "/:path*", headers: staticSecurityHeaders(isProduction) }];
  },
};

// With SENTRY_AUTH_TOKEN set (CI of a real deployment), the build is wrapped by Sentry's plugin, which
// uploads source maps and creates a release. Without it the plugin isn't even loaded: it adds nothing
// a build needs to report errors (lib/monitoring does that at run time, when a DSN is set), and it
// works offline only when told not to phone home (decision 0037).
const uploadToSentry = Boolean(process.env.SENTRY_AUTH_TOKEN);

export default async function config(): Promise<NextConfig> {
  if (!uploadToSentry) return nextConfig;
  const { withSentryConfig } = await import("@sentry/nextjs/config");
  return withSentryConfig(nextConfig, {
    org: process.env.SENTRY_ORG,
    project: process.env.SENTRY_PROJECT,
    authToken: process.env.SENTRY_AUTH_TOKEN,
    silent: !process.env.CI,
    telemetry: false,
    release: { create: true, finalize: true },
  });
}
