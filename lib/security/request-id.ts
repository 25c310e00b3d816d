/** The header that carries a request's id from the edge to every log line and error report. */
export const REQUEST_ID_HEADER = "x-request-id";

// Accept ids from a trusted load balancer or a caller (UUIDs, ULIDs, trace ids), but nothing that
// could smuggle log-injection characters or grow a log line without bound.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Keeps a valid incoming request id, or makes a new one. */
export function resolveRequestId(incoming: string | null | undefined): string {
  return incoming && VALID_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}
