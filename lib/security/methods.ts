// Imported by proxy.ts and the Node server hook (node-server.ts): a plain constant, no Node APIs.

/** The HTTP methods this app answers. Any other is refused with a 405 (proxy.ts, node-server.ts). */
export const ANSWERED_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
]);

/** The 405's body, in the API's error shape, for a method the app doesn't answer. */
export function methodNotAllowedBody(method: string): string {
  return JSON.stringify({
    error: { code: "method_not_allowed", message: `${method} is not a method this site answers.` },
  });
}
