// Embedded PostgreSQL for development and tests: PGlite (PostgreSQL compiled to WebAssembly) served
// over the normal Postgres wire protocol by @electric-sql/pglite-socket. Nothing to install, nothing
// downloaded: `npm run dev` and `npm test` work on a machine without a PostgreSQL server.
//
// Limits to know (see docs/decisions/0002-embedded-postgres-for-dev-and-tests.md):
// - It is ONE database. Every connection lands in it, whatever database name the URL says.
// - It runs one protocol conversation at a time, so clients must use a pool of 1 (DATABASE_POOL_MAX=1).
// - One process owns a data folder. A second process opening the same folder would corrupt it, so a
//   running server records itself in <dataDir>/server.json and a second start refuses.

import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The data folder `npm run dev` uses for its embedded database (gitignored). */
export const DEV_DATA_DIR = path.join(REPO_ROOT, ".data", "pglite");

/** Written into the data folder while a server runs on it: who owns the folder and where it listens. */
const SERVER_FILE = "server.json";

const HOST = "127.0.0.1";

// Connections the socket server accepts at once (its default is 1). They are multiplexed onto the one
// PGlite instance; this only has to cover the app's pool, a migration tool and a psql session or two.
const MAX_CONNECTIONS = 100;

export interface EmbeddedPostgresOptions {
  /** Folder for the data files; created when missing. Undefined = in memory, gone after stop(). */
  dataDir?: string;
  /** TCP port on 127.0.0.1. 0 or undefined = a free port chosen by the OS. */
  port?: number;
}

export interface EmbeddedPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (no password: PGlite accepts any). */
  url: string;
  port: number;
  /** Closes client connections, flushes the data to disk and releases the data folder. Idempotent. */
  stop(): Promise<void>;
}

interface ServerRecord {
  pid: number;
  /** Null while the server is still starting. */
  url: string | null;
}

/** A problem starting the embedded server whose message says what to do. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

/** Thrown when the data folder already belongs to another running embedded server. */
export class DataDirInUseError extends EmbeddedPostgresError {
  override name = "DataDirInUseError";
}

/** Starts PGlite and serves it on 127.0.0.1. Resolves once it accepts connections. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new Error(`startEmbeddedPostgres: port must be an integer from 0 to 65535, got ${requestedPort}.`);
  }
  // Check a fixed port before PGlite's initdb (seconds) so a busy port fails at once, by name.
  if (requestedPort !== 0) await assertPortFree(requestedPort);

  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  if (dataDir !== undefined) await claimDataDir(dataDir);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await openPGlite(dataDir);
    server = new PGLiteSocketServer({ db, host: HOST, port: requestedPort, maxConnections: MAX_CONNECTIONS });
    await server.start();
  } catch (error) {
    await server?.stop();
    await db?.close();
    if (dataDir !== undefined) await releaseDataDir(dataDir);
    if (dataDir !== undefined && db === undefined) {
      // PGlite writes a new folder in one go at the end of initdb; a process killed then leaves it half
      // written, and PGlite only says "failed to initialize".
      throw new EmbeddedPostgresError(
        `Could not open the embedded PostgreSQL data in ${relative(dataDir)}: ${(error as Error).message}. ` +
          "If the first start in that folder was interrupted, the folder is incomplete: delete it and start " +
          "again (this deletes the data in it).",
        { cause: error },
      );
    }
    throw error;
  }

  // getServerConn() reports the port the OS actually gave us ("127.0.0.1:54321").
  const port = Number(server.getServerConn().split(":").pop());
  const url = `postgresql://postgres@${HOST}:${port}/postgres`;
  if (dataDir !== undefined) await writeServerRecord(dataDir, { pid: process.pid, url });

  const runningDb = db;
  const runningServer = server;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopping ??= (async () => {
        await runningServer.stop();
        // close() shuts PostgreSQL down cleanly: a checkpoint writes everything to the data folder.
        await runningDb.close();
        if (dataDir !== undefined) await releaseDataDir(dataDir);
      })();
      return stopping;
    },
  };
}

/**
 * The URL of the embedded database a running `npm run dev` serves from DEV_DATA_DIR, or null when
 * none runs. Removes a server.json left behind by a process that died without stopping.
 */
export async function findRunningDevDatabase(): Promise<string | null> {
  const record = await readServerRecord(DEV_DATA_DIR);
  if (record === null) return null;
  if (record.url !== null && isProcessAlive(record.pid) && (await portAnswers(portOf(record.url)))) {
    return record.url;
  }
  if (!isProcessAlive(record.pid) || record.url !== null) await removeServerRecord(DEV_DATA_DIR, record.pid);
  return null;
}

// --- Opening PGlite, from a snapshot when the cluster is new ---------------------------------------

// initdb is most of a new server's start-up time (seconds of WebAssembly), and tests and
// `prisma migrate dev` (its shadow database) start new in-memory servers on every run. So the first
// new in-memory server saves a snapshot of its freshly initialised cluster, and every new cluster
// after it, in memory or in a new folder, is loaded from that instead. The snapshot sits in the
// dependency cache, named after the PGlite version that made it; deleting it is always safe.
const SNAPSHOT_FILE = path.join(
  REPO_ROOT,
  "node_modules",
  ".cache",
  "shipshape",
  "pglite-initdb-{version}.tar.gz",
);

/** PGlite on Node's file system in `dataDir`, or in memory without one. */
async function openPGlite(dataDir: string | undefined): Promise<PGlite> {
  const isNew = dataDir === undefined || !existsSync(path.join(dataDir, "PG_VERSION"));
  if (!isNew) return PGlite.create({ dataDir });
  const snapshot = SNAPSHOT_FILE.replace("{version}", await pgliteVersion());
  if (existsSync(snapshot)) {
    try {
      return await PGlite.create({ dataDir, loadDataDir: new Blob([await readFile(snapshot)]) });
    } catch (error) {
      // Unreadable: drop it (the next new in-memory server makes another). In memory, just run initdb;
      // a folder may hold part of the snapshot now, which the caller reports.
      await rm(snapshot, { force: true });
      if (dataDir !== undefined) throw error;
    }
  }
  const db = await PGlite.create({ dataDir });
  // Made from in-memory clusters only: a new folder already holds this process's server.json.
  if (dataDir === undefined) await saveSnapshot(db, snapshot);
  return db;
}

async function saveSnapshot(db: PGlite, snapshot: string): Promise<void> {
  const partial = `${snapshot}.${process.pid}.tmp`;
  try {
    const dump = await db.dumpDataDir("gzip");
    await mkdir(path.dirname(snapshot), { recursive: true });
    // Written under a temporary name and renamed, so a concurrent start never reads half a file.
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, snapshot);
  } catch {
    // Only a speed-up: with node_modules read-only, every new cluster runs initdb.
    await rm(partial, { force: true }).catch(() => undefined);
  }
}

async function pgliteVersion(): Promise<string> {
  const manifest = path.join(REPO_ROOT, "node_modules", "@electric-sql", "pglite", "package.json");
  return (JSON.parse(await readFile(manifest, "utf8")) as { version: string }).version;
}

// --- Ownership of a data folder ---------------------------------------------------------------

async function claimDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const record = await readServerRecord(dataDir);
  if (record !== null) {
    const alive = isProcessAlive(record.pid);
    const listening = alive && record.url !== null && (await portAnswers(portOf(record.url)));
    // A live process without a URL yet is still starting: the folder is taken all the same.
    if (alive && (listening || record.url === null)) {
      const where = record.url === null ? "(still starting)" : `at ${record.url}`;
      throw new DataDirInUseError(
        `The embedded PostgreSQL data folder ${relative(dataDir)} is in use by process ${record.pid} ${where}. ` +
          "PGlite cannot open one data folder from two processes. Stop the other process (Ctrl-C in the " +
          `terminal running \`npm run dev\`, or \`kill ${record.pid}\`), or connect to its URL instead. ` +
          `If no such process is yours, delete ${relative(path.join(dataDir, SERVER_FILE))}.`,
      );
    }
    await removeServerRecord(dataDir, record.pid);
  }
  // "wx" fails if the file exists: of two processes starting at the same moment, only one wins.
  try {
    await writeFile(serverFile(dataDir), JSON.stringify({ pid: process.pid, url: null }), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new DataDirInUseError(
      `Another process started an embedded PostgreSQL on ${relative(dataDir)} at the same moment. ` +
        "Only one process can own a data folder; stop one of them.",
    );
  }
}

async function releaseDataDir(dataDir: string): Promise<void> {
  await removeServerRecord(dataDir, process.pid);
}

function serverFile(dataDir: string): string {
  return path.join(dataDir, SERVER_FILE);
}

async function readServerRecord(dataDir: string): Promise<ServerRecord | null> {
  const file = serverFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    const record = parsed as Partial<ServerRecord>;
    if (typeof record.pid === "number" && (typeof record.url === "string" || record.url === null)) {
      return { pid: record.pid, url: record.url };
    }
  } catch {
    // Unreadable or half-written: treated like a stale record below.
  }
  // pid 0 is never a live process of ours, so callers treat this record as stale and remove it.
  return { pid: 0, url: null };
}

async function writeServerRecord(dataDir: string, record: ServerRecord): Promise<void> {
  await writeFile(serverFile(dataDir), JSON.stringify(record, null, 2));
}

/** Removes server.json, but only while it still names `pid` (never another process's record). */
async function removeServerRecord(dataDir: string, pid: number): Promise<void> {
  const record = await readServerRecord(dataDir);
  if (record !== null && record.pid === pid) await rm(serverFile(dataDir), { force: true });
}

// --- Small process and network probes ----------------------------------------------------------

function isProcessAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, HOST, () => done(true));
  });
}

/**
 * A TCP port on 127.0.0.1 that is free right now (the OS picks it). `npm run dev` takes one before the
 * database starts, so Next can be given the database's URL and start at the same time.
 */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new EmbeddedPostgresError(
              `Port ${port} on ${HOST} is already in use. Pass port 0 to let the embedded PostgreSQL pick a free port.`,
            )
          : error,
      );
    });
    probe.listen(port, HOST, () => probe.close(() => resolve()));
  });
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || ".";
}
