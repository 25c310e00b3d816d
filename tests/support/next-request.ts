// Stand-ins for next/headers and next/cache, for tests that call server actions outside Next.js
// (tests/support/actions.ts submitAction sets the request they serve). Outside Next.js there is no
// request scope for next/headers, and next/cache's revalidatePath needs Next's render store. vi.mock
// is hoisted within the file that calls it, so each such test file writes these two lines itself:
//
//   vi.mock("next/headers", async () => (await import("../support/next-request")).nextHeaders);
//   vi.mock("next/cache", async () => (await import("../support/next-request")).nextCache);
//
// This module imports nothing of the app: the mock factories load it while the app's modules wait
// for next/headers, so an import that leads back to next/headers would never finish loading.

type Cookie = { name: string; value: string };

/** The request the action being submitted sees: one at a time, as each test awaits its submit. */
export const currentRequest = { headers: new Headers(), cookies: new Map<string, string>() };

/** Stand-in for next/headers: the headers and cookies of the current request. */
export const nextHeaders = {
  headers: async () => currentRequest.headers,
  cookies: async () => ({
    getAll: (): Cookie[] => [...currentRequest.cookies].map(([name, value]) => ({ name, value })),
    get: (name: string): Cookie | undefined => {
      const value = currentRequest.cookies.get(name);
      return value === undefined ? undefined : { name, value };
    },
    has: (name: string) => currentRequest.cookies.has(name),
    // updateCurrentSession rewrites the session cookie; a later read in the same action sees it.
    set: (name: string, value: string) => {
      currentRequest.cookies.set(name, value);
    },
    delete: (name: string) => {
      currentRequest.cookies.delete(name);
    },
  }),
};

/** Stand-in for next/cache: nothing is cached outside Next.js, so there is nothing to revalidate. */
export const nextCache = {
  revalidatePath: () => undefined,
  revalidateTag: () => undefined,
};
