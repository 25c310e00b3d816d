// Platform administration: find users and organizations, and disable, enable or sign out a user,
// each action audited with the admin as actor. No impersonation (README).
import "server-only";

export {
  type AdminActionResult,
  type AdminActor,
  disableUser,
  enableUser,
  forceSignOut,
  resendVerification,
} from "./actions";
export { AdminNotFoundError, InvalidAdminQueryError, SelfDisableError } from "./errors";
export {
  ADMIN_PAGE_SIZE,
  type AdminListOptions,
  type AdminOrganizationSummary,
  type AdminPage,
  type AdminUserDetail,
  type AdminUserSummary,
  getOrganizationDetail,
  getUserDetail,
  listOrganizations,
  listUsers,
} from "./queries";
