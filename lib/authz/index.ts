// Authorization: the policy table, the question "may this member do that?", and the membership
// lookup every org-scoped request starts with.
export { findMembership, forgetMemberships, MEMBERSHIP_CACHE_MS, type OrgMembership } from "./membership";
export {
  CONDITIONS,
  can,
  type OrgRole,
  PERMISSIONS,
  type Permission,
  type PolicyContext,
  permissionsFor,
  type Resource,
  ROLE_RANK,
  ROLES,
  roleWithArticle,
} from "./policy";
