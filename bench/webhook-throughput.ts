// Stripe webhook throughput: deliveries signed by the real SDK, posted to the real route handler
// (wrapper, capped body, signature check, then the idempotent insert, order check, row lock and
// audit append in one transaction), 20 at a time. Two workloads:
//   - distinct: 200 different events (4 each for 50 organizations: subscription created, invoice
//     paid, subscription updated, charge refunded);
//   - duplicates: 20 different events delivered 10 times each (200 deliveries, shuffled), as Stripe
//     does when it retries.
// For each it reports deliveries per second and the p99 of one delivery's answer. Two baselines, in
// the same run at the same concurrency: the /api/health route handler (the wrapper with nothing
// behind it: what any request costs here), and the signature check plus a plain INSERT of the
// payload into a scratch table (what a webhook with no idempotency, ordering or audit costs).
// After each round it counts the effects (StripeEvent rows, audit entries, billing rows) and says
// whether they are exact: one per distinct event, none per duplicate.
// Run: npx tsx --conditions=react-server bench/webhook-throughput.ts
// Over HTTP: add `--http` (build first: flock /tmp/shipshape-build.lock npx next build). The
// deliveries and the /api/health probes then go to `npm start` on 127.0.0.1:BENCH_HTTP_PORT (default
// 3431) over keep-alive connections, with REDIS_URL as given (else the memory limiter); the plain
// INSERT baseline stays in this process.
// It creates and drops its own database on the server of BENCH_DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/postgres). Prints a table; asserts nothing.
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPrismaClient } from "../lib/db";
import {
  billingEnv,
  chargeObject,
  invoiceObject,
  signedDelivery,
  stripeEvent,
  stripeId,
  subscriptionObject,
  TEST_PRICES,
  TEST_WEBHOOK_SECRET,
  type TestEvent,
} from "../tests/support/stripe-events";
import { applyMigrations } from "../tools/db/apply-migrations";
import { type NextServer, startNextServer } from "./support/next-server";
import { admin, SERVER_URL } from "./support/server-database";

const CONCURRENCY = 20;
const ROUNDS = 3;
const OVER_HTTP = process.argv.includes("--http");
const HTTP_PORT = Number(process.env.BENCH_HTTP_PORT || 3431);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

type Measure = { perSecond: number; p99: number };
/** The median rate and the median p99 of the measured rounds. */
const medianOf = (measures: Measure[]): Measure => ({
  perSecond: median(measures.map((m) => m.perSecond)),
  p99: median(measures.map((m) => m.p99)),
});

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)
  ] as number;

/** Runs every job, CONCURRENCY at a time; returns jobs per second and the p99 of one job (ms). */
async function throughput(jobs: (() => Promise<unknown>)[]): Promise<{ perSecond: number; p99: number }> {
  const queue = [...jobs];
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const jobStarted = process.hrtime.bigint();
        await job();
        latencies.push(Number(process.hrtime.bigint() - jobStarted) / 1e6);
      }
    }),
  );
  return {
    perSecond: jobs.length / (Number(process.hrtime.bigint() - started) / 1e9),
    p99: percentile(latencies, 99),
  };
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE() % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const name = `shipshape_bench_webhook_${randomBytes(4).toString("hex")}`;
const url = new URL(SERVER_URL);
url.pathname = `/${name}`;
await admin(`CREATE DATABASE "${name}"`);
Object.assign(process.env, billingEnv(), {
  DATABASE_URL: url.toString(),
  LOG_LEVEL: "warn",
  MAIL_DEV_DIR: await mkdtemp(path.join(tmpdir(), "shipshape-bench-mail-")),
});
// Imported after the env is set: the logger and the database client read it when first loaded.
const { POST } = await import("../app/api/webhooks/stripe/route");
const { GET: health } = await import("../app/api/health/route");
const { verifyStripeEvent } = await import("../lib/billing");
const { disconnectDb } = await import("../lib/db");
// The app client's default pool size (DATABASE_POOL_MAX): the baseline gets as many connections.
const db = createPrismaClient({ DATABASE_URL: url.toString(), DATABASE_POOL_MAX: 10 });
let server: NextServer | undefined;

try {
  await applyMigrations({ databaseUrl: url.toString() });
  if (OVER_HTTP) {
    server = await startNextServer(HTTP_PORT, {
      ...billingEnv(),
      ALLOW_TEST_KEYS_IN_PRODUCTION: "true",
      DATABASE_URL: url.toString(),
      ...(process.env.REDIS_URL ? {} : { RATE_LIMIT_ALLOW_MEMORY: "true" }),
    });
  }
  const serverUrl = server?.url;
  await db.$executeRawUnsafe("CREATE TABLE bench_plain (id text PRIMARY KEY, payload jsonb NOT NULL)");

  /** `orgs` organizations with a Stripe customer each, and 4 events per organization in order. */
  async function eventsFor(orgs: number): Promise<{ orgIds: string[]; events: TestEvent[] }> {
    const orgIds: string[] = [];
    const events: TestEvent[] = [];
    const base = Math.floor(Date.now() / 1000);
    for (let i = 0; i < orgs; i++) {
      const slug = `bench-${randomBytes(5).toString("hex")}`;
      const customer = stripeId("cus");
      const subscription = stripeId("sub");
      const org = await db.organization.create({
        data: { slug, name: slug, billingAccount: { create: { stripeCustomerId: customer } } },
      });
      orgIds.push(org.id);
      const sub = (status: string, price: string) =>
        subscriptionObject({ id: subscription, customer, status, price });
      events.push(
        stripeEvent("customer.subscription.created", sub("active", TEST_PRICES.pro), { created: base }),
        stripeEvent("invoice.paid", invoiceObject({ customer, subscription, paid: true }), {
          created: base + 1,
        }),
        stripeEvent("customer.subscription.updated", sub("active", TEST_PRICES.business), {
          created: base + 2,
        }),
        stripeEvent("charge.refunded", chargeObject({ customer, amount: 2900, refunded: 900 }), {
          created: base + 3,
        }),
      );
    }
    return { orgIds, events };
  }

  const deliver = (event: TestEvent) => async () => {
    const request = signedDelivery(event);
    const response = serverUrl
      ? await fetch(`${serverUrl}/api/webhooks/stripe`, {
          method: "POST",
          headers: request.headers,
          body: await request.text(),
        })
      : await POST(request);
    if (response.status !== 200)
      throw new Error(`delivery answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { status: string };
  };
  const healthProbe = async () => {
    const response = serverUrl
      ? await fetch(`${serverUrl}/api/health`)
      : await health(new Request("http://localhost/api/health"));
    if (response.status !== 200) throw new Error(`health answered ${response.status}`);
    await response.json();
  };
  const plainInsert = (event: TestEvent) => async () => {
    const request = signedDelivery(event);
    const body = await request.text();
    verifyStripeEvent(body, request.headers.get("stripe-signature"), TEST_WEBHOOK_SECRET);
    await db.$executeRaw`INSERT INTO bench_plain (id, payload) VALUES (${event.id}, ${body}::jsonb)`;
  };

  /**
   * Counts what the events did. Exact: one StripeEvent row per distinct event, one audit entry per
   * event applied (an event older than the state already stored is IGNORED and changes nothing),
   * every organization on its newest state, and every extra delivery answered as a duplicate.
   */
  async function effects(orgIds: string[], events: TestEvent[], outcomes: string[]): Promise<string> {
    const ids = events.map((event) => event.id);
    const [rows, applied, audits, final] = await Promise.all([
      db.stripeEvent.count({ where: { id: { in: ids } } }),
      db.stripeEvent.count({ where: { id: { in: ids }, outcome: "PROCESSED" } }),
      db.auditEvent.count({ where: { orgId: { in: orgIds }, action: { startsWith: "billing." } } }),
      db.billingAccount.count({
        where: { orgId: { in: orgIds }, status: "ACTIVE", stripePriceId: TEST_PRICES.business },
      }),
    ]);
    const duplicates = outcomes.filter((status) => status === "duplicate").length;
    const exact =
      rows === ids.length &&
      audits === applied &&
      final === orgIds.length &&
      duplicates === outcomes.length - ids.length;
    return (
      `${exact ? "exact" : "WRONG"}: ${rows} rows for ${ids.length} distinct events, ${applied} applied and ` +
      `${audits} audited, ${ids.length - applied} stored as older, ${final}/${orgIds.length} orgs on their ` +
      `newest plan, ${duplicates} of ${outcomes.length} deliveries answered as duplicates`
    );
  }

  const rows = [];
  for (const workload of ["distinct", "duplicates"] as const) {
    const runs = { health: [] as Measure[], plain: [] as Measure[], webhook: [] as Measure[] };
    let check = "";
    // One warm-up round, then ROUNDS measured ones, the baselines and the webhook alternating.
    for (let round = 0; round <= ROUNDS; round++) {
      const { orgIds, events } = await eventsFor(workload === "distinct" ? 50 : 5);
      // Duplicates: each event 10 times; an organization's events are in order in the first pass.
      const deliveries =
        workload === "distinct" ? events : [...events, ...shuffle(Array(9).fill(events).flat())];
      const probes = await throughput(deliveries.map(() => healthProbe));
      const plain = await throughput(
        deliveries.map((event, i) => plainInsert({ ...event, id: `${event.id}_${i}` })),
      );
      const outcomes: string[] = [];
      const measured = await throughput(
        deliveries.map((event) => async () => outcomes.push((await deliver(event)()).status)),
      );
      if (round === 0) continue;
      runs.health.push(probes);
      runs.plain.push(plain);
      runs.webhook.push(measured);
      check = await effects(orgIds, events, outcomes);
    }
    const health = medianOf(runs.health);
    const plain = medianOf(runs.plain);
    const webhook = medianOf(runs.webhook);
    rows.push({
      workload: workload === "distinct" ? "200 events" : "200 deliveries of 20 events",
      "webhook /s": Math.round(webhook.perSecond),
      "webhook p99 ms": webhook.p99.toFixed(1),
      "/api/health /s": Math.round(health.perSecond),
      "/api/health p99 ms": health.p99.toFixed(1),
      "plain INSERT /s": Math.round(plain.perSecond),
      "webhook / health (rate)": (webhook.perSecond / health.perSecond).toFixed(3),
      "webhook / health (p99)": (webhook.p99 / health.p99).toFixed(1),
      "webhook / plain (rate)": (webhook.perSecond / plain.perSecond).toFixed(2),
    });
    console.log(`${workload} (last round): ${check}`);
  }
  console.table(rows);
  console.log(
    `Median of ${ROUNDS} rounds after one warm-up, ${CONCURRENCY} deliveries at a time, app pool of ` +
      `${process.env.DATABASE_POOL_MAX ?? 10} connections, ` +
      `${serverUrl ? `over HTTP to npm start (${process.env.REDIS_URL ? "Redis" : "memory"} rate limits)` : "in process"}.`,
  );
} finally {
  await server?.stop();
  await db.$disconnect();
  await disconnectDb();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
