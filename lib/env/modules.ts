// The modules whose variables lib/env validates at startup, one line each:
//   export { envModule as <module> } from "../<module>/config";
// Copying a module that has a config.ts into another app: copy its line too; leaving a module out:
// delete its line. The exported name is the module's name in error messages. serverEnv()'s type is
// composed from these lines, so a module's variables are typed exactly when its line is here
// (tests/unit/env-modules.test.ts checks that every lib/*/config.ts with an envModule is listed).
export { envModule as audit } from "../audit/config";
export { envModule as auth } from "../auth/config";
export { envModule as backup } from "../backup/config";
export { envModule as billing } from "../billing/config";
export { envModule as db } from "../db/config";
export { envModule as jobs } from "../jobs/config";
export { envModule as log } from "../log/config";
export { envModule as mail } from "../mail/config";
export { envModule as monitoring } from "../monitoring/config";
export { envModule as privacy } from "../privacy/config";
export { envModule as ratelimit } from "../ratelimit/config";
