import { CONDITIONS, grantsFor, PERMISSIONS, ROLES } from "./policy";

/** Renders the policy table as Markdown: the content of docs/PERMISSIONS.md. */
export function renderPermissionsMarkdown(): string {
  const header = [
    "# Permissions",
    "",
    "Generated from `lib/authz/policy.ts` by `npm run authz:docs`; do not edit by hand (a test fails when",
    "this file is stale). ✅ allowed; ⚠️ allowed with a condition; — denied.",
    "",
    `| permission | ${ROLES.join(" | ")} |`,
    `|---|${ROLES.map(() => "---").join("|")}|`,
  ];
  const rows = PERMISSIONS.map((permission) => {
    const grants = grantsFor(permission);
    const cells = ROLES.map((role) => {
      const grant = grants[role];
      if (!grant) return "—";
      const conditions = grant.filter((c) => c !== "always");
      return conditions.length === 0
        ? "✅"
        : `⚠️ ${conditions.map((c) => CONDITIONS[c].description).join("; ")}`;
    });
    return `| \`${permission}\` | ${cells.join(" | ")} |`;
  });
  const notes = [
    "",
    "Platform admins (`User.isPlatformAdmin`) are not an organization role: they reach `/admin` (with MFA)",
    "and nothing inside an organization they are not a member of.",
    "",
  ];
  return [...header, ...rows, ...notes].join("\n");
}
