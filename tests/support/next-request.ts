// Runs server code inside a Next.js request scope, the way Next runs a route handler or a server
// action: next/headers' headers() and cookies() answer from the given request, and work handed to
// after() runs once the answer is ready (awaited before returning). Without it, code that reads
// next/headers (the action() wrapper, getCurrentUser, next-auth's route handler) throws "called
// outside a request scope". Built from Next's own stores, as its app-route module builds them:
// internal paths, pinned with next (package.json), like lib/http/navigation.ts. Re-check on upgrades.
import { workAsyncStorage } from "next/dist/server/app-render/work-async-storage.external";
import { workUnitAsyncStorage } from "next/dist/server/app-render/work-unit-async-storage.external";
import { createRequestStoreForAPI } from "next/dist/server/async-storage/request-store";
import { createWorkStore } from "next/dist/server/async-storage/work-store";

/**
 * Calls `run` as part of handling `request`, then finishes the request: the after() work runs and is
 * awaited. Returns what `run` returned, or rethrows what it threw (redirect() throws, for one).
 * `onSetCookie` hears the cookies the code sets or deletes through cookies(): after each change, every
 * cookie changed so far, as Set-Cookie header values (so its last call has the response's full set).
 */
export async function inRequestScope<T>(
  request: Request,
  run: () => Promise<T>,
  options: { onSetCookie?: (setCookie: string[]) => void } = {},
): Promise<T> {
  const url = new URL(request.url);
  const pending: Promise<unknown>[] = [];
  const onClose: (() => void)[] = [];
  const workStore = createWorkStore({
    page: url.pathname,
    renderOpts: {
      experimental: {},
      waitUntil: (promise: Promise<unknown>) => pending.push(promise),
      onClose: (callback: () => void) => onClose.push(callback),
      // revalidatePath() records the paths to refresh on the work store and needs a cache to exist;
      // nothing is cached in a test, so nothing is ever refreshed from it.
      incrementalCache: {},
    } as never,
    buildId: "test",
    deploymentId: "test",
    previouslyRevalidatedTags: [],
  });
  const requestStore = createRequestStoreForAPI(
    { headers: request.headers } as never,
    url as never,
    { tags: [], expirationsByCacheKind: new Map() } as never,
    // Next's MutableRequestCookiesAdapter calls this after each cookies().set()/delete().
    options.onSetCookie,
    undefined, // no draft mode
    undefined, // no hot reloading
  );
  try {
    return await workUnitAsyncStorage.run(requestStore, () => workAsyncStorage.run(workStore, run));
  } finally {
    for (const callback of onClose.splice(0)) callback();
    // after() work may hand over more work: wait until none is left.
    while (pending.length > 0) await pending.shift();
  }
}
