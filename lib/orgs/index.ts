// Organizations, their members, invitations and projects: scoped data access. Every function that
// takes an OrgScope (the route wrapper's `ctx.scope`) puts the organization into each query, so a
// record of another organization is "not found", exactly like a missing one. Each change commits
// with its audit event in one transaction. See README.md.
import "server-only";

export {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  InvitationUnusableError,
  NotFoundError,
  OrgError,
  StepUpRequiredError,
  TooSoonError,
} from "./errors";
export {
  acceptInvitation,
  type CreateInvitationInput,
  createInvitation,
  createInvitationInput,
  INVITATION_RESEND_INTERVAL_MS,
  INVITATION_TTL_MS,
  type InvitationPreview,
  type InvitationView,
  listPendingInvitations,
  maskEmail,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
  type SentInvitation,
} from "./invitations";
export {
  changeMemberRole,
  changeRoleInput,
  leaveOrganization,
  listMembers,
  type MemberView,
  removeMember,
  transferOwnership,
  transferOwnershipInput,
} from "./members";
export {
  type CreateOrganizationInput,
  createOrganization,
  createOrganizationInput,
  type DeleteOrganizationOptions,
  deleteOrganization,
  deleteOrganizationInput,
  getOrganization,
  listMyOrganizations,
  type MyOrganization,
  type OrganizationView,
  organizationName,
  updateOrganization,
  updateOrganizationInput,
} from "./organizations";
export {
  type CreateProjectInput,
  createProject,
  createProjectInput,
  deleteProject,
  getProject,
  listProjects,
  type ProjectView,
  type UpdateProjectInput,
  updateProject,
  updateProjectInput,
} from "./projects";
export type { Actor, OrgScope } from "./scope";
export { OWNER_STEP_UP } from "./scope";
export {
  RESERVED_SLUGS,
  SLUG_MAX_LENGTH,
  SLUG_MIN_LENGTH,
  SLUG_PATTERN,
  slugFromName,
  slugProblem,
} from "./slug";
