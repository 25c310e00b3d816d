// The browser's Sentry SDK, as its own chunk: only lib/monitoring/browser.ts imports it, dynamically.
import * as Sentry from "@sentry/nextjs";
import { sentryOptions } from "./index";

export function startBrowserSentry(dsn: string): void {
  Sentry.init(sentryOptions({ dsn }));
}

export const captureException = (error: unknown) => Sentry.captureException(error);
