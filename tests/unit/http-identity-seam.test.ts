// lib/http asks the app's authentication in one file, lib/http/identity.ts (issue 17): an app
// with its own authentication replaces that file and copies lib/http without lib/auth.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const httpDir = path.resolve(import.meta.dirname, "../../lib/http");
const AUTH_IMPORT = /from "(\.\.\/auth|@\/lib\/auth)(\/[^"]*)?"/;

describe("lib/http's identity seam", () => {
  it("imports lib/auth from identity.ts alone", () => {
    const importing = readdirSync(httpDir)
      .filter((file) => file.endsWith(".ts"))
      .filter((file) => AUTH_IMPORT.test(readFileSync(path.join(httpDir, file), "utf8")));
    expect(importing).toEqual(["identity.ts"]);
  });

  it("names in identity.ts's comment every CurrentUser field lib/http reads", () => {
    const sources = readdirSync(httpDir)
      .filter((file) => file.endsWith(".ts") && file !== "identity.ts")
      .map((file) => readFileSync(path.join(httpDir, file), "utf8"))
      .join("\n");
    const fields = new Set([...sources.matchAll(/\buser\??\.(\w+)/g)].map((match) => match[1] as string));
    expect(fields.size).toBeGreaterThan(3);
    const identity = readFileSync(path.join(httpDir, "identity.ts"), "utf8");
    expect([...fields].filter((field) => !identity.includes(field))).toEqual([]);
  });
});
