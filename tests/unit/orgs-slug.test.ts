import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RESERVED_SLUGS, SLUG_MAX_LENGTH, slugFromName, slugProblem } from "@/lib/orgs";

/**
 * The first URL segments app/ serves: its top-level folders, looking through route groups such as
 * (auth), whose children are top-level segments too. Dynamic segments ([org]) are not names.
 */
function topLevelSegments(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      if (/^\(.+\)$/.test(entry.name)) return topLevelSegments(path.join(dir, entry.name));
      if (entry.name.startsWith("[") || entry.name.startsWith("@")) return [];
      return [entry.name];
    });
}

describe("organization slugs", () => {
  it("reserve every top-level route of app/, so no organization shadows a page", () => {
    const segments = topLevelSegments(path.resolve("app"));
    expect(segments).toEqual(expect.arrayContaining(["api", "account", "sign-in", "dev"]));
    const unreserved = segments.filter((segment) => !RESERVED_SLUGS.has(segment));
    expect(unreserved, "add these to RESERVED_SLUGS in lib/orgs/slug.ts").toEqual([]);
  });

  it("accept lowercase words joined by single hyphens, 3 to 48 characters, that nothing reserves", () => {
    for (const slug of ["acme", "acme-corp", "a1b", "x".repeat(SLUG_MAX_LENGTH)]) {
      expect(slugProblem(slug), slug).toBeNull();
    }
    for (const slug of [
      "ab",
      "Acme",
      "acme_corp",
      "-acme",
      "acme-",
      "acme--corp",
      "x".repeat(49),
      "admin",
      "api",
    ]) {
      expect(slugProblem(slug), slug).not.toBeNull();
    }
    expect(slugProblem("billing")).toMatch(/reserved/);
  });

  it("are derived from names as valid slugs", () => {
    expect(slugFromName("Acme Corp.")).toBe("acme-corp");
    expect(slugFromName("  Café  Zürich ")).toBe("cafe-zurich");
    expect(slugFromName("Q")).toBe("q-org");
    expect(slugFromName("日本")).toBe("org");
    expect(slugFromName("Admin")).toBe("admin-org");
    for (const name of ["Acme Corp.", "Q", "日本", "Admin", "a".repeat(200), "--x--y--"]) {
      expect(slugProblem(slugFromName(name)), name).toBeNull();
    }
  });
});
