// The rule for skipped tests (tests/support/services.ts): a test skipped for want of something
// prints why, and under REQUIRE_SERVICES=1 (CI) the missing thing fails the run instead.
import { afterEach, describe, expect, it, vi } from "vitest";
import { requirePgDump } from "../support/services";

const EMBEDDED = { kind: "embedded", url: "postgresql://127.0.0.1:1/postgres" } as const;

describe("requirePgDump (the backup tests' precondition)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("on the embedded PGlite prints why the backup tests are skipped, naming what to set", async () => {
    vi.stubEnv("REQUIRE_SERVICES", "");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await expect(requirePgDump(EMBEDDED)).resolves.toBe(false);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[0]).toMatch(
      /^Skipping tests that need pg_dump .*PostgreSQL 18.*TEST_DATABASE_URL/,
    );
  });

  it("under REQUIRE_SERVICES=1 fails instead of skipping", async () => {
    vi.stubEnv("REQUIRE_SERVICES", "1");
    await expect(requirePgDump(EMBEDDED)).rejects.toThrow(
      /^REQUIRE_SERVICES=1 but pg_dump .*TEST_DATABASE_URL/,
    );
  });
});
