// lib/jobs on the real PostgreSQL (or the embedded PGlite): pg-boss workers started by startJobWorker
// run jobs, retry failures with backoff, register cron schedules, and share work without running a
// job twice. The last tests run `npm run worker` itself as a child process.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import PgBoss from "pg-boss";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { dbEnvSchema } from "@/lib/db";
import {
  enqueueJob,
  JOB_QUEUES,
  type QueueSettings,
  queueMail,
  readJobsConfig,
  stopJobProducer,
} from "@/lib/jobs";
import {
  type JobDefinition,
  type JobRun,
  type JobWorker,
  jobDefinitions,
  startJobWorker,
} from "@/lib/jobs/worker";
import { listDevMail } from "@/lib/mail";
import { testDb } from "../support/db";
import { startSentrySink } from "../support/sentry-sink";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const databaseUrl = () => dbEnvSchema.parse(process.env).DATABASE_URL;
const uniqueQueue = (label: string) => `test-${label}-${randomBytes(3).toString("hex")}`;

const baseSettings: QueueSettings = {
  description: "test queue",
  policy: "standard",
  retryLimit: 0,
  retryDelaySeconds: 0,
  retryBackoff: false,
  expireInSeconds: 60,
  concurrency: 1,
};

function definition(
  name: string,
  handler: (data: unknown, run: JobRun) => Promise<unknown>,
  settings: Partial<QueueSettings> = {},
  schedule?: string,
): JobDefinition {
  return { name, settings: { ...baseSettings, ...settings }, handler, schedule };
}

const workers: JobWorker[] = [];
async function worker(definitions: JobDefinition[], extra: { cron?: boolean } = {}): Promise<JobWorker> {
  const started = await startJobWorker({
    definitions,
    pollingIntervalSeconds: 0.5,
    ...(extra.cron ? { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 } : {}),
  });
  workers.push(started);
  return started;
}

// A plain pg-boss client, to send to and inspect the test queues the way any other process would.
let boss: PgBoss;
beforeAll(async () => {
  boss = new PgBoss({
    connectionString: databaseUrl(),
    schema: "pgboss",
    max: 1,
    supervise: false,
    schedule: false,
  });
  boss.on("error", () => {});
  // Creates pg-boss's schema if no worker did yet.
  await boss.start();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((started) => started.stop({ timeoutMs: 1_000 })));
});
afterAll(async () => {
  await boss.stop({ graceful: false, wait: true });
  await stopJobProducer();
});

async function dbClock(): Promise<Date> {
  const [row] = await testDb().$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  if (!row) throw new Error("no clock");
  return row.now;
}

/** Sends a job to a test queue and returns its id (a standard queue never drops one). */
async function send(name: string, data: object = {}): Promise<string> {
  const id = await boss.send(name, data);
  if (id === null) throw new Error(`${name} refused the job`);
  return id;
}

async function jobState(name: string, id: string) {
  return boss.getJobById(name, id, { includeArchive: true });
}

describe("a worker", () => {
  it("runs a queued job once, with its data, and marks it completed", async () => {
    const name = uniqueQueue("run");
    const seen: unknown[] = [];
    await worker([definition(name, async (data) => void seen.push(data))]);
    const id = await send(name, { hello: "world" });

    await vi.waitFor(() => expect(seen).toEqual([{ hello: "world" }]), { timeout: 15_000, interval: 100 });
    await vi.waitFor(async () => expect((await jobState(name, id))?.state).toBe("completed"), {
      timeout: 10_000,
      interval: 100,
    });
  });

  it("retries a failing job with a growing delay (exponential backoff), then completes it", async () => {
    const name = uniqueQueue("retry");
    const attempts: { attempt: number; final: boolean; startAfter: Date }[] = [];
    const failedAt: Date[] = [];
    await worker([
      definition(
        name,
        async (_data, run) => {
          const job = await boss.getJobById(name, run.id);
          if (!job) throw new Error("the running job is not in the queue");
          attempts.push({ attempt: run.attempt, final: run.isFinalAttempt, startAfter: job.startAfter });
          if (run.attempt < 3) {
            failedAt.push(await dbClock());
            throw new Error(`attempt ${run.attempt} fails`);
          }
        },
        { retryLimit: 2, retryDelaySeconds: 1, retryBackoff: true },
      ),
    ]);
    const id = await send(name);

    await vi.waitFor(() => expect(attempts).toHaveLength(3), { timeout: 25_000, interval: 200 });
    expect(attempts.map(({ attempt, final }) => ({ attempt, final }))).toEqual([
      { attempt: 1, final: false },
      { attempt: 2, final: false },
      { attempt: 3, final: true },
    ]);
    // Each retry was scheduled after its failure by at least the backoff's minimum: retryDelay × 2^n / 2
    // (pg-boss adds up to as much again at random): 1 s after the first failure, 2 s after the second.
    const delays = [1, 2].map(
      (i) => (attempts[i]?.startAfter.getTime() ?? 0) - (failedAt[i - 1]?.getTime() ?? Number.NaN),
    );
    expect(delays[0]).toBeGreaterThanOrEqual(1_000);
    expect(delays[1]).toBeGreaterThanOrEqual(2_000);
    await vi.waitFor(
      async () => {
        const job = await jobState(name, id);
        expect(job?.state).toBe("completed");
        expect(job?.retryCount).toBe(2);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it("fails a job for good once its retries are used up", async () => {
    const name = uniqueQueue("fail");
    let runs = 0;
    await worker([
      definition(
        name,
        async () => {
          runs++;
          throw new Error("always fails");
        },
        { retryLimit: 1, retryDelaySeconds: 1 },
      ),
    ]);
    const id = await send(name);
    await vi.waitFor(async () => expect((await jobState(name, id))?.state).toBe("failed"), {
      timeout: 20_000,
      interval: 200,
    });
    expect(runs).toBe(2);
  });
});

describe("schedules", () => {
  it("registers a definition's cron schedule in UTC, and removes it when the definition has none", async () => {
    const name = uniqueQueue("cron");
    const started = await worker([definition(name, async () => {}, {}, "17 3 * * *")]);
    expect((await boss.getSchedules()).filter((s) => s.name === name)).toEqual([
      expect.objectContaining({ name, cron: "17 3 * * *", timezone: "UTC" }),
    ]);

    await started.stop();
    await worker([definition(name, async () => {})]);
    expect((await boss.getSchedules()).filter((s) => s.name === name)).toEqual([]);
  });

  it("enqueues a scheduled job when its cron time comes, and a worker runs it", async () => {
    const name = uniqueQueue("every-minute");
    let runs = 0;
    await worker([definition(name, async () => void runs++, { policy: "stately" }, "* * * * *")], {
      cron: true,
    });
    try {
      await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(1), { timeout: 25_000, interval: 200 });
    } finally {
      await boss.unschedule(name);
    }
  });

  it("registers the app's own schedules: hourly pruning and deletions, daily audit jobs; backups only when configured", async () => {
    const schedules = (env: Record<string, string>) =>
      Object.fromEntries(jobDefinitions(readJobsConfig(env)).map((d) => [d.name, d.schedule]));
    expect(schedules({})).toEqual({
      "mail-send": undefined,
      "data-export-build": undefined,
      "account-deletion": "7 * * * *",
      "stripe-customer-erasure": undefined,
      prune: "23 * * * *",
      "audit-retention": "41 3 * * *",
      "audit-client-retention": "53 3 * * *",
      "audit-verify": "11 5 * * *",
      backup: undefined,
      "backup-drill": undefined,
    });
    expect(schedules({ JOBS_BACKUP_CRON: "0 2 * * *", JOBS_BACKUP_DRILL_CRON: "0 4 * * 0" })).toMatchObject({
      backup: "0 2 * * *",
      "backup-drill": "0 4 * * 0",
    });
  });
});

describe("two workers on one database", () => {
  it("run each job of a shared queue exactly once", async () => {
    const name = uniqueQueue("shared");
    const runs = new Map<string, string[]>();
    const record = (who: string) => async (_data: unknown, run: JobRun) => {
      runs.set(run.id, [...(runs.get(run.id) ?? []), who]);
    };
    await worker([definition(name, record("a"), { concurrency: 2 })]);
    await worker([definition(name, record("b"), { concurrency: 2 })]);
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => send(name, { i })));

    await vi.waitFor(() => expect(runs.size).toBe(30), { timeout: 30_000, interval: 200 });
    expect([...runs.keys()].sort()).toEqual([...ids].sort());
    for (const runners of runs.values()) expect(runners).toHaveLength(1);
  });

  it("never run two jobs of a stately (singleton) queue at the same time", async () => {
    const name = uniqueQueue("singleton");
    let running = 0;
    let mostAtOnce = 0;
    const finished: string[] = [];
    let release = () => {};
    const firstMayFinish = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler = (who: string) => async (_data: unknown, run: JobRun) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      if (finished.length === 0) await firstMayFinish;
      running--;
      finished.push(`${run.id}:${who}`);
    };
    const settings = { policy: "stately" as const, concurrency: 2 };
    await worker([definition(name, handler("a"), settings)]);
    await worker([definition(name, handler("b"), settings)]);

    const first = await send(name);
    await vi.waitFor(() => expect(running).toBe(1), { timeout: 15_000, interval: 50 });
    const second = await boss.send(name, {});
    expect(second).not.toBeNull();
    // While the first still runs, a third is refused: a stately queue holds one waiting job at most.
    expect(await boss.send(name, {})).toBeNull();
    // Four idle workers (2 processes × concurrency 2) poll every 0.5 s; give them a few rounds to
    // (wrongly) start the second job next to the first.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(running).toBe(1);
    release();

    await vi.waitFor(() => expect(finished).toHaveLength(2), { timeout: 15_000, interval: 100 });
    expect(mostAtOnce).toBe(1);
    expect(finished.map((entry) => entry.split(":")[0]).sort()).toEqual([first, second].sort());
  });
});

describe("the app's queues", () => {
  it("queueMail delivers through a worker: the mail lands in the (dev) mailbox", async () => {
    const mail = jobDefinitions(readJobsConfig({})).filter((d) => d.name === "mail-send");
    await worker(mail);
    const subject = `Queued ${randomBytes(4).toString("hex")}`;
    const id = await queueMail({ to: "queued@example.com", subject, text: "hello", html: "<p>hello</p>" });
    expect(id).toEqual(expect.any(String));
    await vi.waitFor(async () => expect((await listDevMail()).map((m) => m.subject)).toContain(subject), {
      timeout: 15_000,
      interval: 200,
    });
  });

  it("enqueueJob stores the job in the named queue with that queue's retry settings", async () => {
    const id = await enqueueJob("data-export-build", { exportId: "00000000-0000-7000-8000-000000000000" });
    if (id === null) throw new Error("the job was dropped");
    const job = await boss.getJobById("data-export-build", id);
    expect(job).toMatchObject({
      name: "data-export-build",
      retryLimit: JOB_QUEUES["data-export-build"].retryLimit,
    });
    await boss.deleteJob("data-export-build", id);
  });
});

describe("npm run worker", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  function startWorkerProcess(env: Record<string, string>) {
    let output = "";
    const started = spawn(
      path.join(REPO_ROOT, "node_modules", ".bin", "tsx"),
      ["--conditions=react-server", "scripts/worker.ts"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, LOG_FORMAT: "json", NODE_ENV: "test", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    started.stdout?.on("data", (chunk) => (output += chunk));
    started.stderr?.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => started.once("exit", (code) => resolve(code)));
    return { child: started, output: () => output, exited };
  }

  it("reports a job's final failure to Sentry, and stops cleanly on SIGTERM", async () => {
    const sink = await startSentrySink(0);
    const port = (sink.address() as AddressInfo).port;
    const backupDir = await mkdtemp(path.join(tmpdir(), "shipshape-worker-"));
    try {
      const proc = startWorkerProcess({
        SENTRY_DSN: `http://public@127.0.0.1:${port}/1`,
        BACKUP_DIR: backupDir,
        // No identity on this (app) server: the drill fails at once, a failure the job reports
        // (retryLimit 0: final).
        BACKUP_IDENTITY: "",
        BACKUP_IDENTITY_FILE: "",
        BACKUP_ENCRYPTION_KEY: "",
      });
      child = proc.child;
      await vi.waitFor(() => expect(proc.output()).toContain("job worker started"), {
        timeout: 30_000,
        interval: 200,
      });

      await enqueueJob("backup-drill", {});
      const envelope = await vi.waitFor(
        async () => {
          const envelopes = (await (await fetch(`http://127.0.0.1:${port}/envelopes`)).json()) as {
            items: {
              payload: { tags?: Record<string, string>; exception?: { values: { value: string }[] } };
            }[];
          }[];
          const event = envelopes
            .flatMap((e) => e.items)
            .find((item) => item.payload?.tags?.job === "backup-drill");
          if (!event) throw new Error("no Sentry event for the job yet");
          return event.payload;
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(envelope.exception?.values[0]?.value).toMatch(
        /Restore drill failed: .*no identity is configured on this host/,
      );
      // The drill was recorded as failed where the doctor reads it.
      expect(await readFile(path.join(backupDir, "drills.jsonl"), "utf8")).toContain('"ok":false');

      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(proc.output()).toContain("job worker stopped");
    } finally {
      sink.close();
    }
  }, 90_000);

  it("refuses to start without DATABASE_URL, saying what to do", async () => {
    const proc = startWorkerProcess({ DATABASE_URL: "" });
    child = proc.child;
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain("DATABASE_URL is not set");
  }, 30_000);
});
