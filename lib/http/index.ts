// The one wrapper for route handlers (route) and server actions (action), the page gate, and the
// pieces every endpoint shares: uniform errors, request ids, bounded JSON bodies.
import "server-only";

export {
  type ActionContext,
  type ActionState,
  action,
  HONEYPOT_FIELD,
  IDLE,
  type WrappedAction,
} from "./action";
export { DEFAULT_MAX_BODY_BYTES, type JsonBodyResult, readJsonBody, readTextBody } from "./body";
export { type ApiErrorBody, apiError } from "./errors";
export {
  type AuthLevel,
  type Declaration,
  endpointDeclaration,
  isPublicError,
  type MarkedDeclaration,
  type OrgScope,
  type PublicError,
  type RateLimitDeclaration,
  type StepUpDeclaration,
} from "./guard";
export {
  GATE_PATHS,
  type PageAllowance,
  type PageMember,
  requirePageMember,
  requirePagePlatformAdmin,
  requirePageUser,
} from "./page";
export { requestIdOf } from "./request-id";
export { type RouteContext, type RouteInput, type RouteResult, route } from "./route";
