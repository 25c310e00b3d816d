import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// lib/auth's next-auth route is copied into other apps as it is. create-next-app 16 turns
// cacheComponents on, and then `next build` refuses the route segment configs it replaced
// (nextjs.org/docs: route segment config, v16.0.0 "dynamic, dynamicParams, revalidate, and fetchCache
// removed when Cache Components is enabled"). The route needs none: it reads the request, so it runs
// per request under both settings.

const root = fileURLToPath(new URL("../..", import.meta.url));
const SEGMENT_CONFIGS_REFUSED_WITH_CACHE_COMPONENTS = [
  "dynamic",
  "dynamicParams",
  "revalidate",
  "fetchCache",
];

describe("the next-auth route", () => {
  it("exports no route segment config that cacheComponents refuses", () => {
    const source = readFileSync(path.join(root, "app/api/auth/[...nextauth]/route.ts"), "utf8");
    for (const name of SEGMENT_CONFIGS_REFUSED_WITH_CACHE_COMPONENTS) {
      expect(source, name).not.toMatch(new RegExp(`export\\s+(const|let|var)\\s+${name}\\b`));
      expect(source, name).not.toMatch(new RegExp(`export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`));
    }
    expect(source).toMatch(/export \{ handler as GET, handler as POST \}/);
  });
});
