/**
 * Variables that are safe in the browser. Next.js inlines NEXT_PUBLIC_* at build time, and only
 * when the code names them literally, which is why each one is spelled out below.
 *
 * They are validated on the server at startup (lib/env/schema.ts). This file stays free of zod on
 * purpose: zod 4 probes `new Function()` when it first parses, which a strict CSP reports as a
 * blocked eval in the browser. Client code that needs zod must call `z.config({ jitless: true })`
 * first.
 */
export type PublicEnv = {
  /** Where browser errors are reported; unset turns browser error reporting off. */
  NEXT_PUBLIC_SENTRY_DSN: string | undefined;
};

export const publicEnv: PublicEnv = {
  NEXT_PUBLIC_SENTRY_DSN: process.env.NEXT_PUBLIC_SENTRY_DSN || undefined,
};
