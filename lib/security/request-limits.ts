// Imported by proxy.ts and next.config.ts: plain constants, no Node APIs.

/**
 * The largest server-action body (a form post): next.config.ts gives Next.js this limit, and
 * proxy.ts refuses a declared Content-Length over it with a 413 before Next.js reads the body (past
 * it, Next.js itself answers 500). The forms post a few fields; route handlers' JSON bodies get the
 * same ceiling (lib/http DEFAULT_MAX_BODY_BYTES).
 */
export const SERVER_ACTION_BODY_MAX_BYTES = 100 * 1024;
