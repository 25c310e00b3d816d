// Error reporting in the browser, loaded lazily. NEXT_PUBLIC_SENTRY_DSN is inlined by `next build`;
// it is read here by its literal name (not through lib/env/public.ts) so that a build without it
// compiles every branch below to nothing and ships no Sentry code at all. With a DSN, the SDK is a
// separate chunk fetched once the page has loaded and the browser is idle, so it never competes with
// the first render; an error before then loads it at once and is reported when it arrives.

type BrowserSentry = typeof import("./browser-sentry");

let loading: Promise<BrowserSentry> | undefined;

function loadSentry(dsn: string): Promise<BrowserSentry> {
  loading ??= import("./browser-sentry").then((sentry) => {
    sentry.startBrowserSentry(dsn);
    return sentry;
  });
  return loading;
}

/** Starts loading Sentry after the load event, when idle. Called once, from instrumentation-client.ts. */
export function startBrowserErrorReporting(): void {
  const dsn = process.env.NEXT_PUBLIC_SENTRY_DSN;
  if (!dsn) return;
  const whenIdle = () => {
    const load = () => void loadSentry(dsn);
    if ("requestIdleCallback" in window) window.requestIdleCallback(load, { timeout: 5_000 });
    else setTimeout(load, 1);
  };
  if (document.readyState === "complete") whenIdle();
  else window.addEventListener("load", whenIdle, { once: true });
}

/** Reports an error an error boundary caught; a no-op in a build without a DSN. */
export function reportBrowserError(error: unknown): void {
  const dsn = process.env.NEXT_PUBLIC_SENTRY_DSN;
  if (!dsn) return;
  void loadSentry(dsn).then((sentry) => sentry.captureException(error));
}
