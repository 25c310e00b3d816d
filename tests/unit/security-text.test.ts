// lib/security/text.ts: which characters are hostile, and finding them anywhere in an input.
import { describe, expect, it } from "vitest";
import { findHostileText, isSafeText } from "@/lib/security";

describe("isSafeText", () => {
  it("accepts text people type, in any script, with tabs and line breaks", () => {
    for (const text of [
      "",
      "Acme Inc.",
      "Zoë 日本語 ǅ ﬀ",
      "👩🏽‍💻 a surrogate pair",
      "line\r\nbreak\tand tab",
      "\u00a0\u200b",
    ]) {
      expect(isSafeText(text), JSON.stringify(text)).toBe(true);
    }
  });

  it("refuses NUL, other C0 controls, DEL, C1 controls and lone surrogates", () => {
    for (const text of [
      "a\u0000b",
      "\u0007",
      "\u001b[2J",
      "\b",
      "\u000b",
      "\u000c",
      "\u007f",
      "\u0085",
      "\u009f",
      "\uD800",
      "a\uD83Db",
      "\uDC00x",
      "x\uDE00",
    ]) {
      expect(isSafeText(text), JSON.stringify(text)).toBe(false);
    }
  });
});

describe("findHostileText", () => {
  it("names the field holding hostile text, at any depth, keys included", () => {
    expect(findHostileText({ name: "ok", slug: "a\u0000" })).toBe("slug");
    expect(findHostileText({ tags: ["ok", "\uD800"] })).toBe("tags.1");
    expect(findHostileText({ nested: { "bad\u0000key": 1 } })).toBe("nested");
    expect(findHostileText({ "bad\u0000key": 1 })).toBe("_");
    expect(findHostileText("\u0000")).toBe("_");
    expect(findHostileText({ name: "fine", count: 3, on: true, none: null })).toBeNull();
  });

  it("walks a deeply nested value without overflowing the stack, and names only the first levels", () => {
    let deep: unknown = "\u0000";
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    expect(findHostileText(deep)).toBe("a.a.a.a.a.a.a.a");
  });
});
