import { describe, expect, it } from "vitest";
import { seedRefusalReason } from "@/prisma/seed-guard";

const devUrl = "postgresql://postgres@127.0.0.1:5432/shipshape";

describe("seedRefusalReason", () => {
  it("allows a development database", () => {
    expect(
      seedRefusalReason({ nodeEnv: "development", databaseUrl: devUrl, productionHosts: undefined }),
    ).toBeNull();
    expect(
      seedRefusalReason({ nodeEnv: undefined, databaseUrl: devUrl, productionHosts: "db.example.com" }),
    ).toBeNull();
  });

  it("refuses NODE_ENV=production whatever the database", () => {
    expect(
      seedRefusalReason({ nodeEnv: "production", databaseUrl: devUrl, productionHosts: undefined }),
    ).toMatch(/NODE_ENV is production/);
  });

  it("refuses without a database URL, or with an invalid one", () => {
    expect(
      seedRefusalReason({ nodeEnv: undefined, databaseUrl: undefined, productionHosts: undefined }),
    ).toMatch(/DATABASE_URL is not set/);
    expect(
      seedRefusalReason({ nodeEnv: undefined, databaseUrl: "not a url", productionHosts: undefined }),
    ).toMatch(/not a valid URL/);
  });

  it("refuses a host named in PRODUCTION_DATABASE_HOSTS, ignoring case, spaces and empty entries", () => {
    const reason = seedRefusalReason({
      nodeEnv: undefined,
      databaseUrl: "postgresql://app:secret@DB.Prod.Internal:5432/app",
      productionHosts: " other.host , ,db.prod.internal",
    });
    expect(reason).toMatch(/db\.prod\.internal matches "db\.prod\.internal"/);
  });

  it("matches *.example.com against any subdomain, but not example.com itself or look-alikes", () => {
    const refused = (host: string) =>
      seedRefusalReason({
        nodeEnv: undefined,
        databaseUrl: `postgresql://app@${host}:5432/app`,
        productionHosts: "*.example.com",
      }) !== null;
    expect(refused("db.example.com")).toBe(true);
    expect(refused("primary.eu.example.com")).toBe(true);
    expect(refused("example.com")).toBe(false);
    expect(refused("db.notexample.com")).toBe(false);
    expect(refused("db.example.com.evil.org")).toBe(false);
  });

  it("matches IPv6 and IP addresses as written", () => {
    expect(
      seedRefusalReason({
        nodeEnv: undefined,
        databaseUrl: "postgresql://app@[::1]:5432/app",
        productionHosts: "::1",
      }),
    ).not.toBeNull();
    expect(
      seedRefusalReason({ nodeEnv: undefined, databaseUrl: devUrl, productionHosts: "127.0.0.1" }),
    ).not.toBeNull();
  });
});
