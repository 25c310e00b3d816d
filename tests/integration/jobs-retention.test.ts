// The `prune` job's retention rules (lib/jobs/retention.ts) on PostgreSQL: what goes, what stays.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readJobsConfig } from "@/lib/jobs";
import { pruneExpiredRecords, RETENTION_RULES } from "@/lib/jobs/worker";
import { testDb } from "../support/db";
import { createTestUser } from "../support/users";

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

describe("pruning expired records", () => {
  it("deletes tokens and invitations past their retention, and old settled Stripe events; keeps the rest", async () => {
    const db = testDb();
    const now = new Date();
    const user = await createTestUser();
    const org = await db.organization.create({
      data: { slug: `prune-${randomUUID().slice(0, 8)}`, name: "Prune" },
    });
    const token = (expiresAt: Date) =>
      db.authToken.create({
        data: { userId: user.id, purpose: "PASSWORD_RESET", tokenHash: randomUUID(), expiresAt },
      });
    const oldToken = await token(daysAgo(now, 8));
    const recentlyExpiredToken = await token(daysAgo(now, 1));
    const liveToken = await token(new Date(now.getTime() + DAY_MS));
    const invitation = (expiresAt: Date, acceptedAt?: Date) =>
      db.invitation.create({
        data: {
          orgId: org.id,
          email: `${randomUUID()}@example.com`,
          tokenHash: randomUUID(),
          expiresAt,
          acceptedAt,
        },
      });
    const oldInvitation = await invitation(daysAgo(now, 31));
    const oldAccepted = await invitation(daysAgo(now, 40), daysAgo(now, 45));
    const recentInvitation = await invitation(daysAgo(now, 2));
    const stripeEvent = (receivedAt: Date, outcome: "PROCESSED" | "IGNORED" | "FAILED") =>
      db.stripeEvent.create({
        data: {
          id: `evt_${randomUUID()}`,
          type: "invoice.paid",
          createdAt: receivedAt,
          receivedAt,
          outcome,
          payload: {},
        },
      });
    const oldProcessed = await stripeEvent(daysAgo(now, 401), "PROCESSED");
    const oldIgnored = await stripeEvent(daysAgo(now, 500), "IGNORED");
    const oldFailed = await stripeEvent(daysAgo(now, 500), "FAILED");
    const recentProcessed = await stripeEvent(daysAgo(now, 10), "PROCESSED");

    const results = await pruneExpiredRecords(readJobsConfig({}), { now });
    expect(Object.keys(results)).toEqual(RETENTION_RULES.map((rule) => rule.name));

    const tokens = new Set((await db.authToken.findMany({ where: { userId: user.id } })).map((t) => t.id));
    expect([tokens.has(oldToken.id), tokens.has(recentlyExpiredToken.id), tokens.has(liveToken.id)]).toEqual([
      false,
      true,
      true,
    ]);
    const invitations = new Set(
      (await db.invitation.findMany({ where: { orgId: org.id } })).map((i) => i.id),
    );
    expect([
      invitations.has(oldInvitation.id),
      invitations.has(oldAccepted.id),
      invitations.has(recentInvitation.id),
    ]).toEqual([false, false, true]);
    const events = new Set(
      (
        await db.stripeEvent.findMany({
          where: { id: { in: [oldProcessed.id, oldIgnored.id, oldFailed.id, recentProcessed.id] } },
        })
      ).map((e) => e.id),
    );
    expect([...events].sort()).toEqual([oldFailed.id, recentProcessed.id].sort());
  });

  it("follows the configured retention periods", async () => {
    const db = testDb();
    const now = new Date();
    const user = await createTestUser();
    const expired = await db.authToken.create({
      data: {
        userId: user.id,
        purpose: "EMAIL_VERIFICATION",
        tokenHash: randomUUID(),
        expiresAt: daysAgo(now, 2),
      },
    });
    await pruneExpiredRecords(readJobsConfig({}), { now });
    expect(await db.authToken.findUnique({ where: { id: expired.id } })).not.toBeNull();
    await pruneExpiredRecords(readJobsConfig({ AUTH_TOKEN_RETENTION_DAYS: "1" }), { now });
    expect(await db.authToken.findUnique({ where: { id: expired.id } })).toBeNull();
  });

  it("describes each rule in words, with the configured numbers", () => {
    const config = readJobsConfig({ STRIPE_EVENT_RETENTION_DAYS: "90" });
    expect(RETENTION_RULES.map((rule) => rule.rule(config))).toEqual([
      expect.stringContaining("7 days past expiresAt"),
      expect.stringContaining("UserSession rows that ended"),
      expect.stringContaining("30 days past expiresAt"),
      expect.stringContaining("more than 90 days ago"),
      expect.stringContaining("DataExport archives at expiresAt"),
    ]);
  });
});
