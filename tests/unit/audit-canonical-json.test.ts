import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AUDIT_HASH_VERSION,
  auditEventHash,
  type ChainedEvent,
  canonicalJson,
  GENESIS_HASH,
} from "@/lib/audit";
import { keyedPseudonym, redactedMetadataValue, redactedText } from "@/lib/audit/chain";

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it("gives the same text whatever order the keys were written in", () => {
    expect(canonicalJson({ one: 1, two: 2, three: 3 })).toBe(canonicalJson({ three: 3, one: 1, two: 2 }));
  });

  it("sorts by UTF-16 code units, so uppercase before lowercase and digit strings as text", () => {
    expect(canonicalJson({ b: 0, a: 0, B: 0, "10": 0, "9": 0, é: 0 })).toBe(
      '{"10":0,"9":0,"B":0,"a":0,"b":0,"é":0}',
    );
  });

  it("writes Dates as ISO 8601 UTC strings, keeping the milliseconds", () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) })).toBe(
      '{"at":"2026-01-02T03:04:05.006Z"}',
    );
  });

  it("escapes strings as JSON does and spells numbers as JSON.stringify does", () => {
    expect(canonicalJson(['quote " backslash \\ newline \n', 1.5, -0, 1e21, 0.1])).toBe(
      '["quote \\" backslash \\\\ newline \\n",1.5,0,1e+21,0.1]',
    );
  });

  it("leaves out properties whose value is undefined, as JSON.stringify does", () => {
    expect(canonicalJson({ kept: null, dropped: undefined })).toBe('{"kept":null}');
  });

  it.each([
    ["NaN", { n: Number.NaN }, /value\.n is NaN/],
    ["Infinity", { n: Number.POSITIVE_INFINITY }, /value\.n is Infinity/],
    ["a bigint", { n: 1n }, /value\.n is a bigint/],
    ["a function", { f: () => 1 }, /value\.f is a function/],
    ["an undefined array item", { list: [1, undefined] }, /value\.list\[1\] is undefined/],
    ["an invalid Date", { at: new Date("nope") }, /value\.at is an invalid Date/],
    ["a Map", { m: new Map([["a", 1]]) }, /value\.m is a Map, not a plain object/],
  ])("refuses %s, naming where it is", (_label, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it("refuses a circular reference but accepts the same object twice side by side", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop, "metadata")).toThrow(/metadata\.self is a circular reference/);
  });
});

describe("auditEventHash", () => {
  const userId = "0194c6f4-0000-7000-8000-000000000001";
  const targetUserId = "0194c6f4-0000-7000-8000-000000000002";
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const event: ChainedEvent = {
    id: "0194c6f4-0000-7000-8000-00000000000a",
    chain: "org:0194c6f4-0000-7000-8000-0000000000aa",
    seq: 1,
    at: new Date("2026-01-02T03:04:05.006Z"),
    actorType: "USER",
    actorId: userId,
    actorIp: "203.0.113.7",
    actorUserAgent: "Mozilla/5.0",
    orgId: "0194c6f4-0000-7000-8000-0000000000aa",
    action: "org.renamed",
    targetType: "org",
    targetId: "0194c6f4-0000-7000-8000-0000000000aa",
    metadata: { from: "Acme", to: "Acme Inc" },
    requestId: "req-1",
    prevHash: GENESIS_HASH,
    hashVersion: 1,
  };
  const v2: ChainedEvent = { ...event, hashVersion: 2 };
  const v3: ChainedEvent = { ...event, hashVersion: 3 };
  const key = "test-audit-pseudonym-key-0123456789abcdef";

  // Every stored chain depends on these exact forms: if a value changes, existing chains no longer
  // verify. Add a version rather than change one. The values were computed independently too:
  // Python's json.dumps(sort_keys=True, separators=(",", ":")) and hashlib.sha256 over the same
  // fields, with actorRef = sha256(actorId); version 2 without targetId, with hashVersion = 2 and
  // targetRef = sha256(targetId).
  it("is pinned for version 1, the form of events recorded before hashVersion existed", () => {
    expect(auditEventHash(event)).toBe("5b3f384c15417e54ccb8a2fce81057dd40dbd30a2afc9eee86d953e6259e6e9a");
  });

  it("is pinned for version 2, the form of events recorded before keyed pseudonyms", () => {
    expect(auditEventHash(v2)).toBe("fb0795e794021482e65efd45c1b4bce07a1a7e84e7f8b300cafac552c43a5ea6");
  });

  // Computed independently in Python: hmac.new(key, text, sha256) for actorRef, targetRef,
  // actorIpRef, actorUserAgentRef and each metadata value's canonical JSON (metadataRefs), no raw
  // actorIp/actorUserAgent/metadata/targetId, hashVersion = 3.
  it("is pinned for version 3, the form new events are recorded in, and needs the key", () => {
    expect(AUDIT_HASH_VERSION).toBe(3);
    expect(auditEventHash(v3, key)).toBe("e6225786adf94cec2a2807085d446554b6caeffb265c59b0e623d9913adaa61e");
    expect(() => auditEventHash(v3)).toThrow(/needs the pseudonym key/);
    expect(auditEventHash(v3, `${key}-other`)).not.toBe(auditEventHash(v3, key));
  });

  it("refuses a version it does not know", () => {
    expect(() => auditEventHash({ ...event, hashVersion: 4 }, key)).toThrow(/unknown hashVersion 4/);
  });

  it("in version 3, is unchanged when a personal field is replaced by its keyed reference, and only by that one", () => {
    const aboutUser: ChainedEvent = { ...v3, targetType: "user", targetId: targetUserId };
    const original = auditEventHash(aboutUser, key);
    const erased: ChainedEvent = {
      ...aboutUser,
      actorId: keyedPseudonym(userId, key),
      targetId: keyedPseudonym(targetUserId, key),
      actorIp: redactedText("203.0.113.7", key),
      actorUserAgent: redactedText("Mozilla/5.0", key),
      metadata: { from: redactedMetadataValue("Acme", key), to: "Acme Inc" },
    };
    expect(auditEventHash(erased, key)).toBe(original);
    // The SHA-256 pseudonym of versions 1 and 2 is not the reference: anyone with the id could make it.
    expect(auditEventHash({ ...aboutUser, actorId: `pseudonym:${sha256(userId)}` }, key)).not.toBe(original);
    for (const forged of [
      { actorId: keyedPseudonym(targetUserId, key) },
      { targetId: keyedPseudonym(userId, key) },
      { actorIp: redactedText("203.0.113.8", key) },
      { actorUserAgent: redactedText("curl/8", key) },
      { metadata: { from: redactedMetadataValue("Evil", key), to: "Acme Inc" } },
      { metadata: { from: "Acme" } },
    ]) {
      expect(auditEventHash({ ...aboutUser, ...forged }, key)).not.toBe(original);
    }
  });

  it.each([
    ["version 1", event],
    ["version 2", v2],
  ])("changes, in %s, when any covered field changes", (_, base) => {
    const original = auditEventHash(base);
    expect(auditEventHash({ ...base, metadata: { from: "Acme", to: "Evil" } })).not.toBe(original);
    expect(auditEventHash({ ...base, seq: 2 })).not.toBe(original);
    expect(auditEventHash({ ...base, prevHash: "f".repeat(64) })).not.toBe(original);
    expect(auditEventHash({ ...base, actorId: "0194c6f4-0000-7000-8000-000000000002" })).not.toBe(original);
    expect(auditEventHash({ ...base, targetId: targetUserId })).not.toBe(original);
    expect(auditEventHash({ ...base, targetType: "user" })).not.toBe(original);
  });

  it("is unchanged when the actor id is replaced by its pseudonym, and only by that one", () => {
    for (const base of [event, v2]) {
      expect(auditEventHash({ ...base, actorId: `pseudonym:${sha256(userId)}` })).toBe(auditEventHash(base));
      expect(auditEventHash({ ...base, actorId: `pseudonym:${"0".repeat(64)}` })).not.toBe(
        auditEventHash(base),
      );
    }
  });

  it("from version 2, is unchanged when a user target is replaced by its pseudonym, and only by that one", () => {
    const aboutUser = { ...v2, targetType: "user", targetId: targetUserId };
    const pseudonymized = { ...aboutUser, targetId: `pseudonym:${sha256(targetUserId)}` };
    expect(auditEventHash(pseudonymized)).toBe(auditEventHash(aboutUser));
    expect(auditEventHash({ ...aboutUser, targetId: `pseudonym:${"0".repeat(64)}` })).not.toBe(
      auditEventHash(aboutUser),
    );
    // Version 1 covers the raw target id: pseudonymizing it there would break the chain.
    const v1AboutUser = { ...aboutUser, hashVersion: 1 };
    expect(auditEventHash({ ...v1AboutUser, targetId: pseudonymized.targetId })).not.toBe(
      auditEventHash(v1AboutUser),
    );
  });
});
