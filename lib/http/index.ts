// Shared pieces for route handlers. The full route wrapper (auth → org → permission → input → rate
// limit → handler → uniform errors) grows here; these are the parts every route already needs.
import "server-only";
import { REQUEST_ID_HEADER, resolveRequestId } from "../security";

export { type ApiErrorBody, apiError } from "./errors";

/** The request id proxy.ts assigned (or a fresh one when the route was reached without it). */
export function requestIdOf(request: Request): string {
  return resolveRequestId(request.headers.get(REQUEST_ID_HEADER));
}
export { DEFAULT_MAX_BODY_BYTES, type JsonBodyResult, readJsonBody } from "./body";
