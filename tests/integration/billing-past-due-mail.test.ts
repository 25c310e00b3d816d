// The past-due email survives a crash: the webhook process is killed (kill -9) after it committed the
// state change, and the email still reaches the owner exactly once, through the real SMTP catcher.
// Stripe's redelivery of the event is a duplicate (a no-op), so nothing but the committed state can
// make the email go out.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { readJobsConfig, stopJobProducer } from "@/lib/jobs";
import { type JobWorker, jobDefinitions, startJobWorker } from "@/lib/jobs/worker";
import { billingOnForEachTest, createBilledOrg, queuedMailsTo } from "../support/billing";
import { simulateOutage, testDb } from "../support/db";
import { startSmtpCatcher } from "../support/smtp-catcher";
import {
  activeSubscriptionCreated,
  billingEnv,
  paymentFailed,
  signedDelivery,
  type TestEvent,
} from "../support/stripe-events";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const at = (offset: number) => 1_790_000_000 + offset;

billingOnForEachTest();
// Registered after billingOnForEachTest, so it runs before the env is unstubbed.
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopJobProducer();
});

const deliver = async (event: TestEvent) => (await POST(signedDelivery(event))).json();

/** An SMTP server that accepts connections and never answers: a send to it hangs. */
async function silentSmtpServer(): Promise<string> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  );
  return `smtp://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Delivers `event` in a child process of its own (tests/support/deliver-stripe-event.ts). */
function deliverInChildProcess(event: TestEvent, env: Record<string, string>): ChildProcess {
  const child = spawn(
    path.join(REPO_ROOT, "node_modules", ".bin", "tsx"),
    ["--conditions=react-server", "tests/support/deliver-stripe-event.ts", JSON.stringify(event)],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...billingEnv(), NODE_ENV: "test", LOG_FORMAT: "json", ...env },
      stdio: "ignore",
    },
  );
  cleanups.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return child;
}

const pendingMailsTo = async (email: string) =>
  (await queuedMailsTo(email)).filter((mail) => mail.state !== "completed").length;

describe("the past-due email", () => {
  it("goes out exactly once after the webhook process is killed right after its commit", async () => {
    const { org, owner, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    const failed = paymentFailed({ customer, subscription }, at(10));

    // The delivery commits, then (before the fix) hangs sending the email; it is killed there.
    const child = deliverInChildProcess(failed, { SMTP_URL: await silentSmtpServer() });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await vi.waitFor(
      async () =>
        expect(await testDb().stripeEvent.findUnique({ where: { id: failed.id } })).toMatchObject({
          outcome: "PROCESSED",
        }),
      { timeout: 25_000, interval: 100 },
    );
    child.kill("SIGKILL");
    await exited;
    expect(await testDb().billingAccount.findUnique({ where: { orgId: org.id } })).toMatchObject({
      status: "PAST_DUE",
    });

    // Stripe redelivers: the event is already handled.
    expect(await deliver(failed)).toMatchObject({ status: "duplicate" });

    // A job worker with a working mail server.
    const catcher = await startSmtpCatcher();
    cleanups.push(() => catcher.stop());
    vi.stubEnv("SMTP_URL", catcher.url);
    const worker: JobWorker = await startJobWorker({
      definitions: jobDefinitions(readJobsConfig({})).filter((definition) => definition.name === "mail-send"),
      pollingIntervalSeconds: 0.5,
    });
    cleanups.push(() => worker.stop({ timeoutMs: 1_000 }));

    const mail = await catcher.waitForMail({ to: owner.email, subject: /payment failed/i }, 20_000);
    expect(mail.text).toContain(`/${org.slug}/billing`);
    await vi.waitFor(async () => expect(await pendingMailsTo(owner.email)).toBe(0), {
      timeout: 20_000,
      interval: 200,
    });
    expect(catcher.messages().filter((message) => message.envelope.to.includes(owner.email))).toHaveLength(1);
  }, 90_000);

  it("is not queued when the state change rolls back, and is queued once when the event is applied", async () => {
    const { org, owner, customer, subscription } = await createBilledOrg();
    await deliver(activeSubscriptionCreated({ customer, subscription }, at(0)));
    // The audit write (the transaction's last statement, after the email is queued) fails for a while.
    const endOutage = await simulateOutage("AuditEvent", "INSERT", org.id);
    const failed = paymentFailed({ customer, subscription }, at(10));
    try {
      expect((await POST(signedDelivery(failed))).status).toBe(500);
      expect((await queuedMailsTo(owner.email)).length).toBe(0);
    } finally {
      await endOutage();
    }
    expect(await deliver(failed)).toMatchObject({ status: "processed" });
    expect(await deliver(failed)).toMatchObject({ status: "duplicate" });
    expect((await queuedMailsTo(owner.email)).length).toBe(1);
  });
});
