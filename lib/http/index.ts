// Shared pieces for route handlers. The full route wrapper (auth → org → permission → input → rate
// limit → handler → uniform errors) grows here; these are the parts every route already needs.
import "server-only";
import { REQUEST_ID_HEADER, resolveRequestId } from "../security";

/** The one error body every API answers with. `code` is stable; `message` is for people. */
export type ApiErrorBody = { error: { code: string; message: string; fields?: Record<string, string[]> } };

export function apiError(status: number, code: string, message: string, init: ResponseInit = {}): Response {
  const body: ApiErrorBody = { error: { code, message } };
  return Response.json(body, { ...init, status, headers: { "cache-control": "no-store", ...init.headers } });
}

/** The request id proxy.ts assigned (or a fresh one when the route was reached without it). */
export function requestIdOf(request: Request): string {
  return resolveRequestId(request.headers.get(REQUEST_ID_HEADER));
}
