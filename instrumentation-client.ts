// Runs in the browser before the app hydrates. Browser errors go to NEXT_PUBLIC_SENTRY_DSN (inlined at
// build time); without it this is empty, and with it Sentry loads after the page has (decision 0037).
import { startBrowserErrorReporting } from "./lib/monitoring/browser";

startBrowserErrorReporting();
