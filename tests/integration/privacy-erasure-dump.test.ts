// Erasure that holds (issue 20, decision 0040). First: a person is seeded into every table that can hold
// them (account, MFA, sign-in links, sessions, memberships, an organization named after them with
// its Stripe customer and webhook events carrying their name, address and phone, audit events with
// their IP, browser and names in metadata, invitations, a data export, queued jobs), then the
// account-deletion job runs, then the stripe-customer-erasure job it queued. A full dump of the
// database (pg_dump, pg-boss's schema included) is then searched for every identifier: the only
// hits are the ones docs/SPEC.md ("Personal data") lists, and those go too once their own retention
// job runs.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { POST as stripeWebhook } from "@/app/api/webhooks/stripe/route";
import {
  recordAuditEvent,
  recordSecurityEvent,
  redactAuditClientDetails,
  verifyAuditChains,
} from "@/lib/audit";
import { readDbConfig } from "@/lib/db/config";
import { queueMail, readJobsConfig, stopJobProducer } from "@/lib/jobs";
import { jobDefinitions } from "@/lib/jobs/worker";
import { logger } from "@/lib/log";
import { buildDataExport, requestAccountDeletion, requestDataExport } from "@/lib/privacy";
import { fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import { requirePgDump } from "../support/services";
import { signedDelivery, stripeId, TEST_PRICES, type TestEvent } from "../support/stripe-events";
import {
  fixtureCheckoutSession,
  fixtureEvent,
  fixtureInvoice,
  fixtureRefundedCharge,
  fixtureSubscription,
  type PayloadPerson,
  withPersonalData,
} from "../support/stripe-fixtures";
import { createTestUser } from "../support/users";

const toolsPresent = await requirePgDump(inject("testDatabase"));
const stripe = fakeStripeForThisFile();
afterAll(stopJobProducer);

const DAY_MS = 24 * 60 * 60 * 1000;
const IP = "198.51.100.201";
const USER_AGENT = "OttilieBrowser/9.9 (Quarrington edition)";

const person: PayloadPerson = {
  name: "Ottilie Quarrington-Vex",
  email: "ottilie.quarrington@vex-mail.example",
  phone: "+44 20 7946 0958",
  address: { line1: "17 Wharfinger Lane", city: "Lowestoft", postal_code: "NR32 9QZ", country: "GB" },
};

/** Every way the dump could name the person. "Quarrington" also covers the org, its slug and domains. */
function identifiersOf(userId: string): Record<string, string> {
  return {
    "user id": userId,
    email: person.email,
    "email local part": "ottilie.quarrington",
    "surname (name, organization, slug, new address, domains)": "Quarrington",
    "given name": "Ottilie",
    phone: person.phone,
    "street address": person.address.line1,
    "postal code": person.address.postal_code,
    "IP address": IP,
    "user agent": USER_AGENT,
    "OAuth account": "gh-ottilie-4711",
  };
}

/** What a dump may still hold after the hard delete (docs/SPEC.md, "Personal data"), by table and column. */
const KEPT_UNTIL_CLIENT_RETENTION = [
  "IP address",
  "user agent",
  "surname (name, organization, slug, new address, domains)",
  "given name",
];

async function pgDump(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)("pg_dump", ["--no-owner", "--no-acl", `--dbname=${url}`], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** Each hit: the identifier's label and the dump line (a COPY row, with its table's name before it). */
function hitsIn(
  dump: string,
  identifiers: Record<string, string>,
): { label: string; table: string; line: string }[] {
  const hits: { label: string; table: string; line: string }[] = [];
  let table = "";
  for (const line of dump.split("\n")) {
    const copy = /^COPY (\S+)/.exec(line);
    if (copy?.[1]) table = copy[1];
    for (const [label, value] of Object.entries(identifiers)) {
      if (line.toLowerCase().includes(value.toLowerCase())) hits.push({ label, table, line });
    }
  }
  return hits;
}

async function seedEverywhere() {
  const db = testDb();
  const user = await createTestUser({ email: person.email, name: person.name });
  person.userId = user.id;
  await db.user.update({
    where: { id: user.id },
    data: { mfaSecretEncrypted: "v1:k1:ciphertext", mfaEnabledAt: new Date() },
  });
  await db.recoveryCode.create({ data: { userId: user.id, codeHash: "argon2id-hash" } });
  await db.oAuthAccount.create({
    data: { userId: user.id, provider: "github", providerAccountId: "gh-ottilie-4711" },
  });
  await db.userSession.create({ data: { userId: user.id, device: "Ottilie's Pixel 9" } });
  await db.authToken.create({
    data: {
      userId: user.id,
      purpose: "EMAIL_CHANGE",
      tokenHash: `hash-${randomUUID()}`,
      email: "ottilie.new@quarrington-post.example",
      expiresAt: new Date(Date.now() + DAY_MS),
    },
  });

  // Their own organization, named after them, with billing.
  const solo = await db.organization.create({
    data: { slug: `quarrington-studio-${user.id.slice(0, 6)}`, name: "Quarrington Studio" },
  });
  await db.membership.create({ data: { userId: user.id, orgId: solo.id, role: "OWNER" } });
  const client = { ip: IP, userAgent: USER_AGENT };
  await recordAuditEvent({
    action: "org.created",
    actor: { type: "USER", id: user.id },
    ...client,
    orgId: solo.id,
    target: { type: "organization", id: solo.id },
    metadata: { name: solo.name, slug: solo.slug },
  });
  await recordAuditEvent({
    action: "project.created",
    actor: { type: "USER", id: user.id },
    ...client,
    orgId: solo.id,
    metadata: { name: "Ottilie's sketches" },
  });
  // A shared organization someone else owns: they are a member, created a project, sent an invitation.
  const colleague = await createTestUser();
  const shared = await db.organization.create({
    data: { slug: `shared-${user.id.slice(0, 6)}`, name: "Shared Works" },
  });
  await db.membership.create({ data: { userId: colleague.id, orgId: shared.id, role: "OWNER" } });
  await db.membership.create({ data: { userId: user.id, orgId: shared.id, role: "ADMIN" } });
  await db.project.create({ data: { orgId: shared.id, name: "Roadmap", createdById: user.id } });
  await db.invitation.create({
    data: {
      orgId: shared.id,
      email: "friend@elsewhere.example",
      tokenHash: `inv-${randomUUID()}`,
      invitedById: user.id,
      expiresAt: new Date(Date.now() + DAY_MS),
    },
  });
  await db.invitation.create({
    data: {
      orgId: shared.id,
      email: person.email.toUpperCase(),
      tokenHash: `inv-${randomUUID()}`,
      invitedById: colleague.id,
      expiresAt: new Date(Date.now() + DAY_MS),
    },
  });
  await recordSecurityEvent({
    action: "auth.sign_in.succeeded",
    actor: { type: "USER", id: user.id },
    ...client,
    metadata: { method: "password" },
  });
  await recordSecurityEvent({
    action: "auth.email_change.requested",
    actor: { type: "USER", id: user.id },
    ...client,
    metadata: { newDomain: "quarrington-post.example", outcome: "link_sent" },
  });
  await recordSecurityEvent({
    action: "auth.sessions.revoked",
    actor: { type: "USER", id: user.id },
    ...client,
    metadata: { scope: "one_session", device: "Ottilie's Pixel 9" },
  });

  // Stripe: the customer checkout made (with their email), and the webhook's events with their name,
  // address and phone in every field Stripe uses.
  const customer = stripeId("cus");
  const subscription = stripeId("sub");
  stripe.addCustomer({ id: customer, email: person.email, name: solo.name });
  stripe.addSubscription({ id: subscription, customer, status: "active" });
  await db.billingAccount.create({ data: { orgId: solo.id, stripeCustomerId: customer } });
  const at = Math.floor(Date.now() / 1000) - 3600;
  const events: TestEvent[] = [
    fixtureEvent(
      "checkout.session.completed",
      withPersonalData(fixtureCheckoutSession({ customer, subscription, orgId: solo.id }), person),
      at,
    ),
    fixtureEvent(
      "customer.subscription.created",
      withPersonalData(
        fixtureSubscription({
          id: subscription,
          customer,
          status: "active",
          price: TEST_PRICES.pro,
          periodEnd: at + 30 * 86_400,
        }),
        person,
      ),
      at + 1,
    ),
    fixtureEvent(
      "invoice.paid",
      withPersonalData(
        fixtureInvoice({ customer, subscription, paid: true, billingReason: "subscription_create" }),
        person,
      ),
      at + 2,
    ),
    fixtureEvent("charge.refunded", withPersonalData(fixtureRefundedCharge(customer), person), at + 3),
  ];
  for (const event of events)
    expect((await stripeWebhook(signedDelivery(event))).status, event.type).toBe(200);

  // A finished data export, mail queued to them, and a sign-up for their address still in the queue.
  const { id: exportId } = await requestDataExport(user.id, client);
  await buildDataExport(exportId);
  await queueMail({ to: person.email, subject: `Hello ${person.name}`, text: "hi", html: "<p>hi</p>" });
  return { user, solo, shared, customer };
}

async function runJob(name: string, data: unknown = {}) {
  const definition = jobDefinitions(readJobsConfig()).find((job) => job.name === name);
  if (!definition) throw new Error(`no job ${name}`);
  return definition.handler(data, { id: `test-${name}`, attempt: 1, isFinalAttempt: false, log: logger });
}

describe.skipIf(!toolsPresent)("a hard-deleted person, searched for in a full dump of the database", () => {
  it("is named nowhere but in what the docs list, and nowhere at all after client-details retention", async () => {
    const backupDir = await mkdtemp(path.join(tmpdir(), "shipshape-dump-"));
    vi.stubEnv("BACKUP_DIR", backupDir);
    try {
      const { user, solo, shared, customer } = await seedEverywhere();
      const identifiers = identifiersOf(user.id);
      const url = readDbConfig().DATABASE_URL;
      // The test can fail: before the deletion, every identifier is in the dump.
      const before = new Set(hitsIn(await pgDump(url), identifiers).map((hit) => hit.label));
      // (The phone and postal address were only ever in the Stripe payloads, which are stored minimized.)
      const neverStored = ["phone", "street address", "postal code"];
      expect([...before].sort()).toEqual(
        Object.keys(identifiers)
          .filter((label) => !neverStored.includes(label))
          .sort(),
      );

      await requestAccountDeletion(
        user.id,
        { ip: IP, userAgent: USER_AGENT },
        new Date(Date.now() - 31 * DAY_MS),
      );
      // (Other test files of this worker may have accounts due too: the job deletes them all.)
      expect(await runJob("account-deletion")).toMatchObject({ ledgerEntries: expect.any(Number) });
      expect(await testDb().user.findUnique({ where: { id: user.id } })).toBeNull();
      // The Stripe customer goes through its own job, queued by the deletion.
      const [queued] = await testDb().$queryRawUnsafe<{ data: unknown }[]>(
        "SELECT data FROM pgboss.job WHERE name = 'stripe-customer-erasure' AND data->>'customerId' = $1",
        customer,
      );
      expect(queued?.data).toEqual({ customerId: customer, orgId: null });
      expect(await runJob("stripe-customer-erasure", queued?.data)).toEqual({
        customerId: customer,
        outcome: "deleted",
      });
      expect(stripe.customers().map((c) => c.id)).not.toContain(customer);
      expect(await testDb().organization.findUnique({ where: { id: solo.id } })).toBeNull();

      // What is left: the client address and browser of their audit events (kept for
      // AUDIT_CLIENT_RETENTION_DAYS for security investigations), and nothing else.
      const after = hitsIn(await pgDump(url), identifiers);
      const unexplained = after.filter(
        (hit) =>
          !(
            hit.table === 'public."AuditEvent"' &&
            KEPT_UNTIL_CLIENT_RETENTION.includes(hit.label) &&
            (hit.line.includes(IP) || hit.line.includes(USER_AGENT))
          ),
      );
      expect(unexplained.map((hit) => `${hit.label} in ${hit.table}: ${hit.line.slice(0, 300)}`)).toEqual([]);
      // Only the user agent's own text names them in those rows: the names in metadata are redacted.
      for (const hit of after) {
        const withoutClient = hit.line.replace(IP, "").replace(USER_AGENT, "");
        expect(withoutClient.toLowerCase(), hit.line).not.toContain(identifiers[hit.label]?.toLowerCase());
      }

      // Client-details retention (run here as if AUDIT_CLIENT_RETENTION_DAYS had passed): zero hits.
      await redactAuditClientDetails({ olderThan: new Date(Date.now() + 1000) });
      expect(hitsIn(await pgDump(url), identifiers)).toEqual([]);
      // The chains their events are in (other test files tamper with chains of their own on purpose).
      for (const chain of ["platform", `org:${solo.id}`, `org:${shared.id}`]) {
        const verification = await verifyAuditChains({ chain });
        expect(verification, JSON.stringify(verification)).toMatchObject({ ok: true });
      }
    } finally {
      vi.unstubAllEnvs();
      await rm(backupDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the stripe-customer-erasure job", () => {
  it("gives a surviving organization's customer a current owner's email, and leaves one that already has it", async () => {
    const owner = await createTestUser();
    const leaving = await createTestUser();
    const org = await testDb().organization.create({
      data: { slug: `kept-${randomUUID().slice(0, 8)}`, name: "Kept Co" },
    });
    await testDb().membership.create({ data: { userId: owner.id, orgId: org.id, role: "OWNER" } });
    await testDb().membership.create({ data: { userId: leaving.id, orgId: org.id, role: "ADMIN" } });
    const customer = stripeId("cus");
    stripe.addCustomer({ id: customer, email: leaving.email, name: org.name });
    await testDb().billingAccount.create({ data: { orgId: org.id, stripeCustomerId: customer } });

    await requestAccountDeletion(leaving.id, {}, new Date(Date.now() - 31 * DAY_MS));
    const backupDir = await mkdtemp(path.join(tmpdir(), "shipshape-ledger-"));
    vi.stubEnv("BACKUP_DIR", backupDir);
    try {
      await runJob("account-deletion");
    } finally {
      // BACKUP_DIR is unstubbed after the test, with the billing settings (fakeStripeForThisFile).
      await rm(backupDir, { recursive: true, force: true });
    }
    const [queued] = await testDb().$queryRawUnsafe<{ data: { customerId: string; orgId: string } }[]>(
      "SELECT data FROM pgboss.job WHERE name = 'stripe-customer-erasure' AND data->>'customerId' = $1",
      customer,
    );
    expect(queued?.data).toEqual({ customerId: customer, orgId: org.id });
    expect(await runJob("stripe-customer-erasure", queued?.data)).toMatchObject({
      outcome: "contact_replaced",
    });
    expect(stripe.customers().find((c) => c.id === customer)?.email).toBe(owner.email);
    // Run again (a retry after a crash): nothing more to change.
    expect(await runJob("stripe-customer-erasure", queued?.data)).toMatchObject({ outcome: "contact_kept" });
  });

  it("counts a customer already deleted at Stripe as done, and fails (for a retry) while Stripe is down", async () => {
    const customer = stripeId("cus");
    stripe.addCustomer({ id: customer, email: "someone@gone.example", name: null });
    stripe.failNext(3, 503);
    await expect(
      runJob("stripe-customer-erasure", { customerId: customer, orgId: null }),
    ).rejects.toMatchObject({
      code: "stripe_unavailable",
    });
    expect(await runJob("stripe-customer-erasure", { customerId: customer, orgId: null })).toMatchObject({
      outcome: "deleted",
    });
    expect(await runJob("stripe-customer-erasure", { customerId: customer, orgId: null })).toMatchObject({
      outcome: "already_deleted",
    });
  });
});
