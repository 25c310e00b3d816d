// Edge-safe (no Node APIs): proxy.ts and next.config.ts import this module.
export { buildContentSecurityPolicy, type CspOptions, createNonce, staticSecurityHeaders } from "./headers";
export { HONEYPOT_FIELD } from "./honeypot";
export { ANSWERED_METHODS, methodNotAllowedBody } from "./methods";
export { REQUEST_ID_HEADER, resolveRequestId } from "./request-id";
export { SERVER_ACTION_BODY_MAX_BYTES } from "./request-limits";
export { findHostileText, HOSTILE_TEXT_MESSAGE, isSafeText } from "./text";
