// What the age format costs against format 1 (Shipshape's own AES-256-GCM chunks), for a backup and for
// a restore of one database of about 80 MB: wall time and the peak memory (max RSS) of the process
// doing it, both formats measured in the same run, alternating, each backup and restore in a fresh
// child process so one's memory cannot inflate the other's peak. The child's baseline (Node, tsx and
// the modules loaded, nothing run) is measured too, so the table shows what the work itself adds.
// pg_dump and pg_restore are child processes of their own and are not in these peaks.
// Run: npx tsx --conditions=react-server bench/backup-format.ts
// It creates and drops its own databases on the server of BENCH_DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/postgres). Prints a table; asserts nothing.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateIdentity, identityToRecipient } from "age-encryption";
import pg from "pg";
import { type BackupEncryption, createBackup, readBackupConfig, restoreBackup } from "../lib/backup";

const SERVER_URL = process.env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const TARGET_BYTES = 80 * 1024 * 1024;
const ROUNDS = 3;
const SCRIPT = fileURLToPath(import.meta.url);

const withDatabase = (name: string) => {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

async function admin(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** One measured step, run in this process when started as a child: prints its time and peak RSS. */
async function child(step: string, format: string, arg: string, dir: string, target: string): Promise<void> {
  // The key comes in the environment, not on the command line (where `ps` shows it).
  const secret = process.env.BENCH_BACKUP_SECRET ?? "";
  const encryption: BackupEncryption =
    format === "age"
      ? { format: "age", recipients: [await identityToRecipient(secret)] }
      : { format: "shipshape-v1", key: { id: "k1", key: Buffer.from(secret, "base64") } };
  const config = { ...readBackupConfig({ BACKUP_DIR: dir, BACKUP_KEEP_DAILY: "100" }), encryption };
  const keys = {
    identities: format === "age" ? [secret] : [],
    keyring: new Map(format === "age" ? [] : [["k1", Buffer.from(secret, "base64")]]),
  };
  const startedAt = performance.now();
  let output = "";
  if (step === "backup") {
    const result = await createBackup({ databaseUrl: arg, config, upload: false });
    output = result.manifestPath;
  } else if (step === "restore") {
    const result = await restoreBackup({ input: arg, targetUrl: target, keys, force: true });
    if (!result.verification.ok) throw new Error("restore did not verify");
  }
  const ms = performance.now() - startedAt;
  console.log(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, output }));
}

interface Measure {
  ms: number;
  maxRssKiB: number;
  output: string;
}

function measure(secret: string, args: string[]): Measure {
  const stdout = execFileSync(
    process.execPath,
    ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", SCRIPT, "--child", ...args],
    { encoding: "utf8", env: { ...process.env, LOG_LEVEL: "silent", BENCH_BACKUP_SECRET: secret } },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Measure;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const suffix = randomBytes(3).toString("hex");
  const source = `bench_backup_src_${suffix}`;
  const target = `bench_backup_dst_${suffix}`;
  const dir = await mkdtemp(path.join(tmpdir(), "shipshape-bench-backup-"));
  await admin(SERVER_URL, `CREATE DATABASE ${source}`);
  await admin(SERVER_URL, `CREATE DATABASE ${target}`);
  try {
    // Text that compresses about as well as real rows do (hex digests: pg_dump's gzip halves them).
    await admin(
      withDatabase(source),
      `CREATE TABLE "Item" (id int PRIMARY KEY, name text, body text, created timestamptz DEFAULT now());
       INSERT INTO "Item" (id, name, body)
       SELECT i, 'item ' || i, md5(i::text) || md5((i * 31)::text) || md5((i * 17)::text)
       FROM generate_series(1, ${Math.round(TARGET_BYTES / 200)}) AS i;`,
    );
    const [size] = (await admin(
      withDatabase(source),
      "SELECT pg_database_size(current_database()) AS bytes",
    )) as { bytes: string }[];
    const identity = await generateIdentity();
    const secrets: Record<string, string> = { format1: randomBytes(32).toString("base64"), age: identity };
    type Format = "format1" | "age";
    const results: Record<Format, Record<"backup" | "restore", Measure[]>> = {
      format1: { backup: [], restore: [] },
      age: { backup: [], restore: [] },
    };
    const baseline: Measure[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(measure(identity, ["none", "age", "", dir, ""]));
      const order: Format[] = round % 2 === 0 ? ["format1", "age"] : ["age", "format1"];
      for (const format of order) {
        const secret = secrets[format] as string;
        const made = measure(secret, ["backup", format, withDatabase(source), dir, ""]);
        results[format].backup.push(made);
        results[format].restore.push(
          measure(secret, ["restore", format, made.output, dir, withDatabase(target)]),
        );
      }
    }
    const base = median(baseline.map((m) => m.maxRssKiB)) / 1024;
    console.log(
      `database ${(Number(size?.bytes) / 1024 / 1024).toFixed(0)} MiB, median of ${ROUNDS} rounds; ` +
        `child baseline peak RSS ${base.toFixed(0)} MiB`,
    );
    console.log("step     format    time s   peak RSS MiB (above baseline)");
    for (const step of ["backup", "restore"] as const) {
      const row = (format: Format) => {
        const ms = median(results[format][step].map((m) => m.ms));
        const rss = median(results[format][step].map((m) => m.maxRssKiB)) / 1024;
        return { ms, rss };
      };
      const before = row("format1");
      const after = row("age");
      for (const [format, value] of [
        ["format1", before],
        ["age", after],
      ] as const) {
        console.log(
          `${step.padEnd(8)} ${format.padEnd(9)} ${(value.ms / 1000).toFixed(2).padStart(6)}   ` +
            `${value.rss.toFixed(0).padStart(5)} (+${(value.rss - base).toFixed(0)})`,
        );
      }
      console.log(
        `${step.padEnd(8)} age/format1: time ×${(after.ms / before.ms).toFixed(2)}, peak RSS ×${(
          after.rss / before.rss
        ).toFixed(2)}, above baseline ×${((after.rss - base) / (before.rss - base)).toFixed(2)}`,
      );
    }
  } finally {
    await admin(SERVER_URL, `DROP DATABASE IF EXISTS ${source} WITH (FORCE)`);
    await admin(SERVER_URL, `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf("--child");
if (childAt !== -1) {
  const [step, format, arg, dir, target] = process.argv.slice(childAt + 1);
  await child(step ?? "", format ?? "", arg ?? "", dir ?? "", target ?? "");
} else {
  await main();
}
