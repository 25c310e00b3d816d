#!/usr/bin/env node
/**
 * A stand-in for Prisma's native `schema-engine` binary, built on the WebAssembly schema engine.
 *
 * Why: before `generate`, `migrate …` and `db …`, the Prisma 7 CLI downloads a native schema-engine
 * binary from Prisma's CDN. Offline machines and firewalled CI cannot reach it. Pointing
 * `PRISMA_SCHEMA_ENGINE_BINARY` at this script stops the download, and the CLI runs this script
 * wherever it would have run the binary. The real work is done by `@prisma/schema-engine-wasm`,
 * which talks to PostgreSQL through `@prisma/adapter-pg`. Both come from npm.
 *
 * How the CLI talks to it (the same contract as the native binary):
 * - `schema-engine --version` prints one line (only `prisma -v` asks).
 * - `schema-engine --datasource '{"url":…}' cli can-connect-to-database | create-database` runs once
 *   and exits: 0 on success, or 1 with JSON log lines on stderr whose ERROR line names a Prisma
 *   error code (P1003 "database does not exist" makes the CLI call `create-database`).
 * - `schema-engine [--datamodels <file>]… --datasource '<json>'` is a server: newline-delimited
 *   JSON-RPC 2.0 requests on stdin, responses on stdout, JSON log lines on stderr. The engine can
 *   call the CLI back with `print` (used for `migrate diff` output). A panic answers with
 *   `is_panic` and exits with code 101. The CLI stops it by closing stdin and sending SIGTERM.
 *
 * The wasm engine needs some help that the native binary does not; each "trap" below is marked.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import * as wasmBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

const RPC_ERROR_CODE = 4466; // what the native engine uses for every engine error
const PANIC_EXIT_CODE = 101; // Rust's exit code for a panic; the CLI treats it as a crash
const PG_CHAR_OID = 18; // Postgres's internal one-byte "char" type
const PG_TEXT_OID = 25;
const MISSING_SHADOW_FACTORY = "shadow DB must be provided through an external factory";

// ---------------------------------------------------------------------------------------------
// Logging: JSON lines on stderr, the format the CLI collects and shows when the engine fails.

function log(level, message, fields = {}, target = "schema_engine_bridge") {
  const line = { level, target, fields: { message, ...fields } };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArguments(argv) {
  const args = { version: false, datamodels: [], datasource: {}, cliCommand: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version" || arg === "-V") args.version = true;
    else if (arg === "--datamodels") args.datamodels.push(argv[++i]);
    else if (arg === "--datasource") args.datasource = JSON.parse(argv[++i]);
    else if (arg === "cli") args.cliCommand = argv[++i];
    else if (arg === "--enabled-preview-features" || arg === "--extension-types")
      i++; // unused by the wasm engine
    else throw new Error(`Unknown argument "${arg}". This script is run by the Prisma CLI; see its README.`);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Connection config. Trap 5: adapter-pg gets an object, never a connectionString, because a
// connection string overrides `database` (the shadow database would silently be the main one).
// Trap 4: adapter-pg ignores `?schema=`, so it becomes the session's search_path.

function pgConfigFromUrl(url) {
  if (typeof url !== "string" || url === "") {
    throw new Error(
      "No database URL was given. Even `migrate diff` needs a reachable PostgreSQL with this engine: set DATABASE_URL.",
    );
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      "The database URL is not a valid URL. Expected postgresql://user:password@host:port/database",
    );
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new Error(
      `This schema engine supports PostgreSQL only, but the URL starts with "${parsed.protocol}//".`,
    );
  }
  const params = parsed.searchParams;
  const schema = params.get("schema") ?? undefined;
  const config = {
    host:
      params.get("host") ?? (decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, "$1") || "localhost"),
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
  };
  if (schema) config.options = `-c search_path="${schema.replaceAll('"', '""')}"`;
  // Prisma's own sslmode values: disable and prefer connect without TLS here; require uses TLS and,
  // like Prisma, accepts any certificate unless sslaccept=strict.
  if (params.get("sslmode") === "require")
    config.ssl = { rejectUnauthorized: params.get("sslaccept") === "strict" };
  return { config, schema };
}

async function withClient(config, use) {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const quoteIdentifier = (name) => `"${name.replaceAll('"', '""')}"`;

// ---------------------------------------------------------------------------------------------
// One-shot mode: `cli can-connect-to-database` and `cli create-database`, done with plain `pg`
// (the wasm engine cannot create databases).

async function runCliCommand(command, datasource) {
  log("INFO", `Starting schema engine CLI command ${command}`); // the CLI skips the first stderr line
  let config;
  try {
    config = pgConfigFromUrl(datasource.url).config;
    if (command === "can-connect-to-database") await withClient(config, async () => {});
    else if (command === "create-database") await createDatabase(config);
    else
      throw new Error(
        `Unknown CLI command "${command}". Expected can-connect-to-database or create-database.`,
      );
    process.exit(0);
  } catch (error) {
    // The CLI reads the error code from the ERROR line of this target, as the native engine writes it.
    const known = config && prismaErrorForConnection(error, config);
    log(
      "ERROR",
      known?.message ?? error.message,
      known ? { error_code: known.code } : {},
      "schema_engine::logger",
    );
    process.exit(1);
  }
}

async function createDatabase(config) {
  const name = config.database ?? config.user ?? "postgres";
  await withClient({ ...config, database: "postgres", options: undefined }, (client) =>
    client.query(`CREATE DATABASE ${quoteIdentifier(name)}`),
  );
}

/** The Prisma error code and message the native engine gives for common connection failures. */
function prismaErrorForConnection(error, config) {
  const server = `${config.host}:${config.port}`;
  const database = config.database ?? config.user;
  switch (error.code) {
    case "3D000":
      return {
        code: "P1003",
        message: `Database \`${database}\` does not exist on the database server at \`${server}\`.`,
      };
    case "42P04":
      return {
        code: "P1009",
        message: `Database \`${database}\` already exists on the database server at \`${server}\``,
      };
    case "28P01":
    case "28000":
      return {
        code: "P1000",
        message: `Authentication failed against database server at \`${server}\`, the provided database credentials for \`${config.user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at \`${server}\`.`,
      };
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ETIMEDOUT":
      return {
        code: "P1001",
        message: `Can't reach database server at \`${server}\`\n\nPlease make sure your database server is running at \`${server}\`.`,
      };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The driver adapter factory the wasm engine uses for the main and the shadow database.

function createAdapterFactory(datasource) {
  const main = pgConfigFromUrl(datasource.url);
  const shadowUrl = datasource.shadowDatabaseUrl;
  if (shadowUrl && shadowUrl === datasource.url) {
    throw new Error("The shadow database URL is the same as the main database URL. Use a separate database.");
  }
  const factory = new PrismaPg(main.config, { schema: main.schema });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => fixAdapter(await factory.connect()),
    connectToShadowDb: async () =>
      fixAdapter(shadowUrl ? await resetConfiguredShadow(shadowUrl) : await createTemporaryShadow(main)),
  };
}

// Trap 1: adapter-pg drops its temporary shadow database while its own pool is still connected,
// so the drop fails. Here the pool is closed first, then the database is dropped WITH (FORCE).
const temporaryShadows = new Map(); // name → { config, created }, until dropped; shutDown drops leftovers

async function createTemporaryShadow({ config, schema }) {
  const name = `prisma_migrate_shadow_db_${randomUUID()}`;
  const created = withClient(config, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  temporaryShadows.set(name, { config, created });
  await created;
  const adapter = await new PrismaPg({ ...config, database: name }, { schema }).connect();
  const closePool = adapter.dispose.bind(adapter);
  adapter.dispose = async () => {
    await closePool();
    await dropTemporaryShadow(name);
  };
  return adapter;
}

async function dropTemporaryShadow(name) {
  const { config, created } = temporaryShadows.get(name);
  temporaryShadows.delete(name);
  await created.catch(() => {}); // a CREATE DATABASE still running would commit after the drop
  await withClient(config, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
  );
}

// With a configured shadowDatabaseUrl the database is reused: start each use from an empty schema.
async function resetConfiguredShadow(url) {
  const { config, schema = "public" } = pgConfigFromUrl(url);
  const quoted = quoteIdentifier(schema);
  await withClient(config, (client) =>
    client.query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE; CREATE SCHEMA ${quoted}`),
  );
  return new PrismaPg(config, { schema }).connect();
}

/** The adapter changes this bridge needs, applied to every main and shadow database connection. */
function fixAdapter(adapter) {
  runScriptsAsOneQuery(adapter);
  return acceptCharColumns(adapter);
}

// adapter-pg's executeScript splits a script on ";" and runs the pieces one by one. That breaks
// function bodies such as `$$ … ; … $$`, and a failing migration would leave its first statements
// applied. The native engine sends the whole script as one simple query, which Postgres runs as one
// implicit transaction; do the same.
function runScriptsAsOneQuery(adapter) {
  adapter.executeScript = async (script) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      adapter.onError(error); // converts it to the adapter's error type and throws
    }
  };
}

// Trap 2: adapter-pg rejects Postgres's "char" type (OID 18, used by the catalogs the engine reads,
// e.g. pg_class.relkind), and reading it as Text makes the engine panic. Let adapter-pg parse it as
// text, then report the column as ColumnType Character. Applies to the adapter and its transactions.
function acceptCharColumns(queryable) {
  const charColumnsByRows = new WeakMap(); // result rows → indexes of "char" columns
  const performIO = queryable.performIO.bind(queryable);
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    const charColumns = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        charColumns.push(index);
      }
    });
    if (charColumns.length > 0) charColumnsByRows.set(result.rows, charColumns);
    return result;
  };
  queryable.queryRaw = async (query) => {
    const resultSet = await queryRaw(query);
    for (const index of charColumnsByRows.get(resultSet.rows) ?? []) {
      resultSet.columnTypes[index] = ColumnTypeEnum.Character;
    }
    return resultSet;
  };
  if (queryable.startTransaction) {
    const startTransaction = queryable.startTransaction.bind(queryable);
    queryable.startTransaction = async (isolationLevel) =>
      acceptCharColumns(await startTransaction(isolationLevel));
  }
  return queryable;
}

// ---------------------------------------------------------------------------------------------
// Loading the wasm engine. Node 20 cannot import a .wasm module, so instantiate it by hand.

let lastPanicMessage = null;

async function loadWasmEngine() {
  // The engine reports a panic's message here just before it traps.
  globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message: (message) => (lastPanicMessage = message) };
  const wasmUrl = new URL(
    "schema_engine_bg.wasm",
    import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"),
  );
  const { instance } = await WebAssembly.instantiate(await readFile(wasmUrl), {
    "./schema_engine_bg.js": wasmBindings,
  });
  wasmBindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return wasmBindings;
}

async function createEngine(args) {
  const { SchemaEngine } = await loadWasmEngine();
  const datamodels = args.datamodels.map((path) => [path, readFileSync(path, "utf8")]);
  const factory = bindMigrationAwareSqlAdapterFactory(createAdapterFactory(args.datasource));
  const forwardLog = (line) => process.stderr.write(`${line.trimEnd()}\n`);
  return SchemaEngine.new(
    { datamodels: datamodels.length > 0 ? datamodels : undefined },
    forwardLog,
    factory,
  );
}

// ---------------------------------------------------------------------------------------------
// Server mode: JSON-RPC 2.0 over stdin/stdout.

const pendingRequests = new Set(); // ids of requests not yet answered (answered with a panic if we crash)
const cliCalls = new Map(); // id of a call to the CLI (`print`) → resolve
let nextCliCallId = 1;

function send(message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
}

function callCli(method, params) {
  const id = nextCliCallId++;
  return new Promise((resolve) => {
    cliCalls.set(id, resolve);
    send({ id, method, params });
  });
}

/** Method name → how to run it. Anything not listed is called on the engine under the same name. */
const methods = {
  getDatabaseVersion: (engine, params) => engine.version(params),
  diff: diffAndPrint,
  evaluateDataLoss: (engine, params) => withShadowFactory(engine, "evaluateDataLoss", params),
  createMigration: (engine, params) => withShadowFactory(engine, "createMigration", params),
};
const engineMethods = new Set([
  "applyMigrations",
  "dbExecute",
  "debugPanic",
  "devDiagnostic",
  "diagnoseMigrationHistory",
  "ensureConnectionValidity",
  "introspect",
  "introspectSql",
  "markMigrationApplied",
  "markMigrationRolledBack",
  "reset",
  "schemaPush",
]);

// The native engine prints the diff through the CLI's `print` method; the wasm one returns it.
// `print` adds a newline, so drop the script's own last one.
async function diffAndPrint(engine, params) {
  const result = await engine.diff(params);
  if (result.stdout) await callCli("print", { content: result.stdout.replace(/\n$/, "") });
  return { ...result, stdout: null };
}

// Trap 3: evaluateDataLoss and createMigration need the shadow-database factory that only
// devDiagnostic sets up, and applyMigrations loses it. Set it up again and retry once.
async function withShadowFactory(engine, method, params) {
  try {
    return await engine[method](params);
  } catch (error) {
    if (!String(error?.message).includes(MISSING_SHADOW_FACTORY)) throw error;
    log("INFO", `${method}: setting up the shadow database factory again through devDiagnostic`);
    await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
    return engine[method](params);
  }
}

function isPanic(error) {
  return error instanceof WebAssembly.RuntimeError;
}

function answerWithPanic(id, error) {
  const message = lastPanicMessage ?? String(error?.message ?? error);
  send({ id, error: { code: RPC_ERROR_CODE, message, data: { is_panic: true, message, meta: {} } } });
}

// A wasm panic surfaces as an uncaught RuntimeError, not as a rejected promise: answer every open
// request with it, then exit like a crashed native engine.
function crashWithPanic(error) {
  log("ERROR", lastPanicMessage ?? String(error?.stack ?? error));
  for (const id of pendingRequests) answerWithPanic(id, error);
  process.stdout.write("", () => process.exit(PANIC_EXIT_CODE));
}

async function handleRequest(enginePromise, { id, method, params }) {
  pendingRequests.add(id);
  try {
    const run = methods[method] ?? (engineMethods.has(method) && ((engine, p) => engine[method](p)));
    if (!run) {
      send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
      return;
    }
    const result = await run(await enginePromise, params);
    send({ id, result: result ?? {} });
  } catch (error) {
    if (isPanic(error)) return crashWithPanic(error);
    const message = String(error?.message ?? error);
    const data = { is_panic: false, message, meta: {} };
    send({
      id,
      error: { code: RPC_ERROR_CODE, message: "An error happened. Check the data field for details.", data },
    });
  } finally {
    pendingRequests.delete(id);
  }
}

function handleLine(enginePromise, line) {
  if (line.trim() === "") return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    send({
      id: null,
      error: { code: -32700, message: "Parse error: each line on stdin must be one JSON-RPC message." },
    });
    return;
  }
  if (message.method === undefined && cliCalls.has(message.id)) {
    cliCalls.get(message.id)(message.result);
    cliCalls.delete(message.id);
  } else {
    void handleRequest(enginePromise, message);
  }
}

async function shutDown(exitCode) {
  // Drop temporary shadow databases left by an interrupted command (the normal path drops them).
  for (const name of [...temporaryShadows.keys()]) {
    await dropTemporaryShadow(name).catch((error) => log("WARN", `Could not drop ${name}: ${error.message}`));
  }
  process.exit(exitCode);
}

function runServer(args) {
  process.on("uncaughtException", (error) =>
    isPanic(error) ? crashWithPanic(error) : shutDownWithError(error),
  );
  process.on("SIGTERM", () => shutDown(0));
  process.on("SIGINT", () => shutDown(130));
  // Requests can arrive before the engine is ready; each one waits for it (or for its error).
  const enginePromise = createEngine(args);
  enginePromise.catch((error) => log("ERROR", error.message));
  const input = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  input.on("line", (line) => handleLine(enginePromise, line));
  input.on("close", () => shutDown(0));
}

function shutDownWithError(error) {
  log("ERROR", String(error?.stack ?? error));
  void shutDown(1);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArguments(process.argv.slice(2));
  if (args.version) {
    const { version } = await loadWasmEngine();
    console.log(`schema-engine-cli ${version()} (wasm bridge)`);
  } else if (args.cliCommand) {
    await runCliCommand(args.cliCommand, args.datasource);
  } else {
    runServer(args);
  }
}

main().catch((error) => {
  log("ERROR", error.message);
  process.exit(1);
});
