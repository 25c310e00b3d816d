// lib/db's isDatabaseUnavailable over the real errors an outage produces: the app's Prisma client
// (and node-postgres, and pg-boss through lib/jobs) pointed at a port nothing listens on, at a server
// that accepts and never answers, a pool with no free connection, a connection the server
// terminates; and the errors of a database that is up and refused the query, which are not outages.
import { createServer, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, isDatabaseUnavailable, type PrismaClient } from "@/lib/db";
import { enqueueJob, stopJobProducer } from "@/lib/jobs";
import { testDb } from "../support/db";
import { closedPort } from "../support/services";
import { createTestUser } from "../support/users";

/** What `run` threw (the test fails if it didn't throw). */
async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => expect.fail("expected it to throw"),
    (error: unknown) => error,
  );
}

let closedUrl: string;
/** Accepts TCP connections and never says a word: a server that hangs. */
let silent: Server;
const silentSockets = new Set<Socket>();
let silentUrl: string;
const clients: PrismaClient[] = [];
const client = (url: string, poolMax = 2) => {
  const created = createPrismaClient({ DATABASE_URL: url, DATABASE_POOL_MAX: poolMax });
  clients.push(created);
  return created;
};

beforeAll(async () => {
  closedUrl = `postgresql://postgres@127.0.0.1:${await closedPort()}/shipshape`;
  silent = createServer((socket) => silentSockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentUrl = `postgresql://postgres@127.0.0.1:${(silent.address() as { port: number }).port}/shipshape`;
});

afterAll(async () => {
  for (const created of clients) await created.$disconnect();
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("isDatabaseUnavailable: outages", () => {
  it("a Prisma model query, raw query and transaction against a closed port (P1001, P2010 + DatabaseNotReachable)", async () => {
    const db = client(closedUrl);
    const errors = [
      await thrownBy(() => db.user.findFirst()),
      await thrownBy(() => db.$queryRaw`SELECT 1`),
      await thrownBy(() => db.$executeRaw`SELECT 1`),
      await thrownBy(() => db.$transaction(async (tx) => tx.user.count())),
    ];
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual([
      "P1001",
      "P2010",
      "P2010",
      "P1001",
    ]);
    expect(errors.map(isDatabaseUnavailable)).toEqual([true, true, true, true]);
  });

  it("node-postgres connecting to a closed port (ECONNREFUSED), by address and by name", async () => {
    for (const url of [closedUrl, closedUrl.replace("127.0.0.1", "localhost")]) {
      const connection = new pg.Client({ connectionString: url });
      const error = await thrownBy(() => connection.connect());
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
  });

  it("pg-boss enqueueing against a closed port (lib/jobs' JobEnqueueError wraps it)", async () => {
    const previous = process.env.DATABASE_URL;
    await stopJobProducer();
    process.env.DATABASE_URL = closedUrl;
    try {
      const error = await thrownBy(() => enqueueJob("prune", {}));
      expect((error as Error).name).toBe("JobEnqueueError");
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      process.env.DATABASE_URL = previous;
      await stopJobProducer();
    }
  });

  it("a server that accepts the connection and never answers (connection timeout)", async () => {
    const pool = new pg.Pool({ connectionString: silentUrl, connectionTimeoutMillis: 300 });
    const error = await thrownBy(() => pool.query("SELECT 1"));
    await pool.end();
    expect(String((error as Error).message)).toMatch(/timeout/);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("a pool that can't get a connection in time (every connection busy)", async () => {
    const db = client(process.env.DATABASE_URL as string, 1);
    let release = () => {};
    const held = db.$transaction(
      async (tx) => {
        await tx.user.count();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { timeout: 30_000 },
    );
    // Wait until the transaction holds the pool's only connection.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const error = await thrownBy(() => db.user.count());
    release();
    await held;
    expect(String((error as Error).message)).toMatch(/timeout exceeded when trying to connect/);
    expect(isDatabaseUnavailable(error)).toBe(true);
  }, 20_000);

  it("a connection the server terminates (57P01 admin_shutdown, as in a restart)", async () => {
    const db = client(process.env.DATABASE_URL as string, 1);
    const error = await thrownBy(() => db.$queryRaw`SELECT pg_terminate_backend(pg_backend_pid())`);
    expect(JSON.stringify((error as { meta?: unknown }).meta)).toContain("57P01");
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});

describe("isDatabaseUnavailable: not outages", () => {
  it("a database that answered and refused the query, and errors that aren't the database's", async () => {
    const user = await createTestUser();
    const errors = [
      // P2002: the address is taken.
      await thrownBy(() => testDb().user.create({ data: { email: user.email } })),
      // P2010 carrying 22012 (division by zero) from the adapter.
      await thrownBy(() => testDb().$queryRaw`SELECT 1 / 0`),
      // P2010 carrying 42P01 (no such table).
      await thrownBy(() => testDb().$queryRawUnsafe("SELECT * FROM no_such_table")),
      new Error("boom"),
      new TypeError("Cannot read properties of undefined"),
      "a string",
      null,
    ];
    expect(errors.map(isDatabaseUnavailable)).toEqual(errors.map(() => false));
  });
});
