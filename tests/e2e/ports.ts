// Where the e2e servers listen; shared by playwright.config.ts and the specs.
export const appPort = Number(process.env.E2E_PORT ?? 3210);
export const sentrySinkPort = Number(process.env.SENTRY_SINK_PORT ?? 3211);
export const sentrySinkUrl = `http://127.0.0.1:${sentrySinkPort}`;
/** The DSN the app reports to in the e2e suite: the local Sentry sink. Browser builds inline it. */
export const sentryDsn = `http://e2epublickey@127.0.0.1:${sentrySinkPort}/1`;
/** The SMTP server that catches the app's mail in the e2e suite, and its HTTP side for reading it. */
export const smtpPort = Number(process.env.E2E_SMTP_PORT ?? 3212);
export const mailCatcherUrl = `http://127.0.0.1:${Number(process.env.E2E_MAIL_HTTP_PORT ?? 3213)}`;
/** The fake Stripe API the app's Stripe SDK talks to in the e2e suite (tests/support/fake-stripe.ts). */
export const fakeStripePort = Number(process.env.E2E_STRIPE_PORT ?? 3214);
export const fakeStripeUrl = `http://127.0.0.1:${fakeStripePort}`;
