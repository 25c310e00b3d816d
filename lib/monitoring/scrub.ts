import type { ErrorEvent } from "@sentry/nextjs";

/** Request headers that identify or authenticate a person; never sent to Sentry. */
const PRIVATE_HEADERS =
  /^(cookie|set-cookie|authorization|proxy-authorization|x-api-key|x-forwarded-for|x-real-ip)$/i;

/**
 * Last check before an event leaves the process. The SDK's dataCollection settings already leave
 * cookies and bodies out; this is the belt to those braces, and it is what the envelope test checks.
 */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const request = event.request;
  if (request) {
    delete request.cookies;
    delete request.data;
    if (request.headers) {
      for (const name of Object.keys(request.headers)) {
        if (PRIVATE_HEADERS.test(name)) delete request.headers[name];
      }
    }
  }
  if (event.user) {
    // Keep the pseudonymous id for triage; drop what identifies a person.
    event.user = event.user.id === undefined ? undefined : { id: event.user.id };
  }
  return event;
}
