// `npm run authz:docs`: writes docs/PERMISSIONS.md from the policy table in lib/authz/policy.ts.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderPermissionsMarkdown } from "../lib/authz/docs";

const target = fileURLToPath(new URL("../docs/PERMISSIONS.md", import.meta.url));
writeFileSync(target, renderPermissionsMarkdown());
console.log(`wrote ${target}`);
