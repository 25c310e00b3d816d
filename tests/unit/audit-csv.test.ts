import { describe, expect, it } from "vitest";
import { csvCell, parseAuditFilter } from "@/lib/audit";

describe("csvCell", () => {
  it("defuses text a spreadsheet would run as a formula (OWASP CSV injection)", () => {
    for (const text of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) {
      expect(csvCell(text).replace(/^"/, "")).toMatch(/^'/);
    }
    expect(csvCell("=A1,B1")).toBe(`"'=A1,B1"`);
  });

  it("quotes commas, quotes and line breaks as RFC 4180 says, and leaves the rest alone", () => {
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("plain text")).toBe("plain text");
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(null)).toBe("");
  });
});

describe("parseAuditFilter", () => {
  const org = { kind: "organization", orgId: "0190f2a4-0000-7000-8000-000000000000" } as const;

  it("drops blank fields and normalizes action prefixes", () => {
    expect(parseAuditFilter(org, { actor: "", action: "auth.*", from: " ", to: "2026-01-31" })).toEqual({
      ok: true,
      filter: { action: "auth", to: "2026-01-31" },
    });
  });

  it("names each field that is wrong, in words a person can act on", () => {
    const result = parseAuditFilter(org, { action: "made.up", from: "2026-13-01", to: "soon" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fields).sort()).toEqual(["action", "from", "to"]);
    expect(result.fields.action?.[0]).toMatch(/Unknown action/);
  });

  it("accepts an organization filter only on the platform view", () => {
    expect(parseAuditFilter({ kind: "platform" }, { org: "Acme" })).toEqual({
      ok: true,
      filter: { org: "acme" },
    });
    expect(parseAuditFilter(org, { org: "acme" })).toEqual({ ok: true, filter: {} });
  });
});
