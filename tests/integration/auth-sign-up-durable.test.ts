// "Check your inbox" is a promise: by the time a sign-up is answered, its work is in PostgreSQL.
// A process that signs up a burst of addresses (new and registered) is killed with SIGKILL the moment
// its answers are out; every answered sign-up must then complete on a job worker: the new accounts
// exist with their verification mail, the registered owners get their "you already have an account".
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { completeQueuedSignUp, encryptSecret, hashPassword, signUp } from "@/lib/auth";
import { readJobsConfig } from "@/lib/jobs";
import { type JobWorker, jobDefinitions, startJobWorker } from "@/lib/jobs/worker";
import { testDb } from "../support/db";
import { mailTo } from "../support/mail";
import { createTestUser, freshIp } from "../support/users";

const PASSWORD = "marble orchard kettle lantern";

/** The queued sign-up jobs for `email`, in any state (pg-boss keeps finished ones in the same table). */
const queuedSignUps = (email: string) =>
  testDb().$queryRaw<{ state: string; data: Record<string, unknown> }[]>`
    SELECT state::text, data FROM pgboss.job WHERE name = 'sign-up' AND data->>'email' = ${email}`;

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

let child: ChildProcess | undefined;
let worker: JobWorker | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await worker?.stop({ timeoutMs: 2_000 });
  worker = undefined;
});

/** Runs tests/support/sign-up-burst.ts for `addresses` (it SIGKILLs itself); returns the ones it answered. */
async function signUpBurstThenKill(addresses: string[]): Promise<string[]> {
  const answered: string[] = [];
  let output = "";
  const started = spawn(
    // node itself (tsx as a loader), so the SIGKILL is this child's own exit signal.
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "tests/support/sign-up-burst.ts", ...addresses],
    {
      cwd: REPO_ROOT,
      // One connection in the app's pool: as in a burst, the work queues for the database, so the
      // answers are out while most of it still waits (the crash window the test is about).
      env: { ...process.env, DATABASE_POOL_MAX: "1", LOG_LEVEL: "silent", NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child = started;
  const killed = new Promise<void>((resolve, reject) => {
    started.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
      for (const line of output.split("\n")) {
        const email = line.match(/^answered (\S+)$/)?.[1];
        if (email && !answered.includes(email)) answered.push(email);
      }
    });
    started.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    started.once("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve() : reject(new Error(`the burst exited by itself:\n${output}`)),
    );
  });
  await killed;
  return answered;
}

describe("an answered sign-up survives a crash", () => {
  it("every sign-up answered before a kill -9 completes later on a job worker", async () => {
    const registered = await Promise.all([1, 2, 3].map(() => createTestUser()));
    const fresh = Array.from({ length: 16 }, () => `durable-${randomUUID()}@example.com`);
    const answered = await signUpBurstThenKill([...fresh, ...registered.map((user) => user.email)]);
    expect(answered.sort()).toEqual([...fresh, ...registered.map((user) => user.email)].sort());

    worker = await startJobWorker({
      definitions: jobDefinitions(readJobsConfig()).filter((definition) => definition.name === "sign-up"),
      pollingIntervalSeconds: 0.5,
    });
    // Time passes: the recovery delay (the process that answered gets the first go) is over.
    await testDb()
      .$executeRaw`UPDATE pgboss.job SET start_after = now() WHERE name = 'sign-up' AND state = 'created'`;

    const newAccounts = fresh.filter((email) => answered.includes(email));
    await vi.waitFor(
      async () => {
        const created = await testDb().user.findMany({ where: { email: { in: newAccounts } } });
        expect(created.map((user) => user.email).sort()).toEqual([...newAccounts].sort());
        for (const email of newAccounts) {
          expect((await mailTo(email)).map((mail) => mail.subject)).toEqual([
            expect.stringMatching(/verify your email/i),
          ]);
        }
        for (const user of registered.filter(({ email }) => answered.includes(email))) {
          expect((await mailTo(user.email)).map((mail) => mail.subject)).toEqual([
            expect.stringMatching(/already have an? .*account/i),
          ]);
        }
      },
      { timeout: 60_000, interval: 500 },
    );
    const events = await testDb().auditEvent.count({
      where: {
        action: "auth.account.created",
        actorId: {
          in: (
            await testDb().user.findMany({ where: { email: { in: newAccounts } }, select: { id: true } })
          ).map((user) => user.id),
        },
      },
    });
    expect(events).toBe(newAccounts.length);
  }, 120_000);
});

describe("the sign-up job", () => {
  it("is queued before the answer, holds no password hash, and leaves the queue when the answering process finishes it", async () => {
    const email = `queued-${randomUUID()}@example.com`;
    const { background } = await signUp({ email, password: PASSWORD, ip: freshIp() });
    // Answered: the sign-up is in PostgreSQL, waiting out the recovery delay.
    const [queued] = await queuedSignUps(email);
    expect(queued?.state).toBe("created");
    expect(JSON.stringify(queued?.data)).not.toMatch(/argon2/);
    expect(JSON.stringify(queued?.data)).not.toContain(PASSWORD);

    await background;
    expect(await queuedSignUps(email)).toEqual([]);
    expect(await testDb().user.count({ where: { email } })).toBe(1);
    expect((await mailTo(email)).map((mail) => mail.subject)).toEqual([
      expect.stringMatching(/verify your email/i),
    ]);
  });

  it("whoever takes the job first, the answering process or a worker, the sign-up is done once", async () => {
    // The worker's fetch (the job becomes active) races the answering process's claim: either may
    // win, on any run. Each round lets them race, then the worker runs the job if it got it.
    for (let round = 0; round < 4; round++) {
      const email = `race-${randomUUID()}@example.com`;
      const user = await createTestUser();
      for (const address of [email, user.email]) {
        const { background } = await signUp({ email: address, password: PASSWORD, ip: freshIp() });
        await testDb()
          .$executeRaw`UPDATE pgboss.job SET state = 'active' WHERE name = 'sign-up' AND data->>'email' = ${address} AND state = 'created'`;
        await background;
        const [job] = await queuedSignUps(address);
        if (job) await completeQueuedSignUp(job.data);
      }
      expect(await testDb().user.count({ where: { email } })).toBe(1);
      expect((await mailTo(email)).map((mail) => mail.subject)).toEqual([
        expect.stringMatching(/verify your email/i),
      ]);
      expect((await mailTo(user.email)).map((mail) => mail.subject)).toEqual([
        expect.stringMatching(/already have an? .*account/i),
      ]);
    }
  });

  it("run again after a run that created the account, it resends the verification, not 'you already have an account'", async () => {
    const email = `retried-${randomUUID()}@example.com`;
    // The job as signUp queues it.
    const data = {
      email,
      name: null,
      passwordHashEncrypted: encryptSecret(await hashPassword(PASSWORD), `sign-up:${email}`),
      ip: freshIp(),
      userAgent: null,
    };
    await completeQueuedSignUp(data);
    await completeQueuedSignUp(data);

    expect(await testDb().user.count({ where: { email } })).toBe(1);
    const subjects = (await mailTo(email)).map((mail) => mail.subject);
    expect(subjects).toEqual([
      expect.stringMatching(/verify your email/i),
      expect.stringMatching(/verify your email/i),
    ]);
    const user = await testDb().user.findUniqueOrThrow({ where: { email } });
    expect(
      await testDb().auditEvent.count({ where: { action: "auth.account.created", actorId: user.id } }),
    ).toBe(1);
  });
});
