/** The one error body every API answers with. `code` is stable; `message` is for people. */
export type ApiErrorBody = { error: { code: string; message: string; fields?: Record<string, string[]> } };

export function apiError(status: number, code: string, message: string, init: ResponseInit = {}): Response {
  const body: ApiErrorBody = { error: { code, message } };
  return Response.json(body, { ...init, status, headers: { "cache-control": "no-store", ...init.headers } });
}
