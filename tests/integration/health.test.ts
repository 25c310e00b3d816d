import { afterEach, describe, expect, it } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { GET as ready } from "@/app/api/ready/route";
import { disconnectDb } from "@/lib/db";

const realDatabaseUrl = process.env.DATABASE_URL;

afterEach(async () => {
  await disconnectDb();
  process.env.DATABASE_URL = realDatabaseUrl;
});

describe("/api/health", () => {
  it("answers 200 with the version, without touching the database", async () => {
    process.env.DATABASE_URL = "postgresql://nobody@127.0.0.1:1/unreachable";
    const response = await health(new Request("http://localhost/api/health"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: "ok",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });
});

describe("/api/ready", () => {
  it("answers 200 after a database round-trip", async () => {
    const response = await ready(new Request("http://localhost/api/ready"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", checks: { database: "ok" } });
  });

  it("answers 503 with a reason when the database is down", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    process.env.DATABASE_URL = "postgresql://nobody@127.0.0.1:1/unreachable";
    const response = await ready(new Request("http://localhost/api/ready"));
    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({ status: "unavailable", checks: { database: "unreachable" } });
    expect(body.reason).toMatch(/database/i);
    // The reason is for operators and load balancers; it must not leak connection details.
    expect(JSON.stringify(body)).not.toContain("127.0.0.1:1");
  });
});
