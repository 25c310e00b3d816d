import { REQUEST_ID_HEADER, resolveRequestId } from "../security";

/** The request id proxy.ts assigned (or a fresh one when the route was reached without it). */
export function requestIdOf(request: Request): string {
  return resolveRequestId(request.headers.get(REQUEST_ID_HEADER));
}
