// Authorization: the policy table and the question "may this member do that?".
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
} from "./policy";
