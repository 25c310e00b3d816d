import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataDirInUseError, freeLocalPort, startEmbeddedPostgres } from "@/tools/embedded-postgres";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("startEmbeddedPostgres", () => {
  let dataDir: string;
  let busyPort: Server;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "shipshape-pglite-"));
    busyPort = createServer();
    await new Promise<void>((resolve) => busyPort.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    busyPort.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps data in its folder across stop and restart, and owns the folder while running", async () => {
    const first = await startEmbeddedPostgres({ dataDir });
    try {
      expect(first.port).not.toBe(5432);
      expect(first.port).not.toBe((busyPort.address() as { port: number }).port);
      expect(first.url).toBe(`postgresql://postgres@127.0.0.1:${first.port}/postgres`);
      expect(JSON.parse(await readFile(path.join(dataDir, "server.json"), "utf8"))).toEqual({
        pid: process.pid,
        url: first.url,
      });
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(DataDirInUseError);
      await query(first.url, "CREATE TABLE note (body text); INSERT INTO note VALUES ('kept')");
    } finally {
      await first.stop();
    }
    await expect(readFile(path.join(dataDir, "server.json"))).rejects.toThrow(/ENOENT/);

    // A record left by a process that died without stopping does not block the next start.
    await writeFile(path.join(dataDir, "server.json"), JSON.stringify({ pid: 2 ** 22 + 1, url: first.url }));
    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(await query(second.url, "SELECT body FROM note")).toEqual([{ body: "kept" }]);
    } finally {
      await second.stop();
    }
  });

  // `npm run dev` gives Next the database's URL before the database runs (decision 0038): the port
  // freeLocalPort names must be one the server can then take, at the URL Next was given.
  it("serves on a port taken beforehand with freeLocalPort, at the URL that port makes", async () => {
    const port = await freeLocalPort();
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe((busyPort.address() as { port: number }).port);
    const server = await startEmbeddedPostgres({ port });
    try {
      expect(server.url).toBe(`postgresql://postgres@127.0.0.1:${port}/postgres`);
      expect(await query(server.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await server.stop();
    }
  });

  it("refuses a port that is taken, naming it", async () => {
    const { port } = busyPort.address() as { port: number };
    await expect(startEmbeddedPostgres({ port })).rejects.toThrow(
      `Port ${port} on 127.0.0.1 is already in use`,
    );
  });
});
