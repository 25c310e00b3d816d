// Runs in the browser before the app hydrates. Browser errors go to NEXT_PUBLIC_SENTRY_DSN (inlined
// at build time); without it, nothing is sent.
import * as Sentry from "@sentry/nextjs";
import { publicEnv } from "./lib/env/public";
import { sentryOptions } from "./lib/monitoring";

Sentry.init(sentryOptions({ dsn: publicEnv.NEXT_PUBLIC_SENTRY_DSN }));

export const onRouterTransitionStart = Sentry.captureRouterTransitionStart;
