// The env keys of lib/jobs and lib/privacy: defaults, and a clear message for each bad value.
import { describe, expect, it } from "vitest";
import { JOB_QUEUES, readJobsConfig, scheduleOf } from "@/lib/jobs";
import { readPrivacyConfig } from "@/lib/privacy";
import { envProblems } from "../support/env";

describe("jobs config", () => {
  it("needs nothing set: no scheduled backups, the documented retention periods", () => {
    const config = readJobsConfig({});
    expect(config).toEqual({
      AUTH_TOKEN_RETENTION_DAYS: 7,
      INVITATION_RETENTION_DAYS: 30,
      STRIPE_EVENT_RETENTION_DAYS: 400,
      DATA_EXPORT_RETENTION_DAYS: 30,
    });
    expect(scheduleOf(JOB_QUEUES.backup, config)).toBeUndefined();
    expect(scheduleOf(JOB_QUEUES.prune, config)).toBe("23 * * * *");
  });

  it("refuses a cron expression without five fields, and a retention of zero days", () => {
    expect(envProblems(() => readJobsConfig({ JOBS_BACKUP_CRON: "daily at two" }))).toEqual([
      'JOBS_BACKUP_CRON: must be a cron expression with five fields, such as "0 2 * * *" (02:00 UTC daily)',
    ]);
    expect(envProblems(() => readJobsConfig({ AUTH_TOKEN_RETENTION_DAYS: "0" }))).toEqual([
      expect.stringMatching(/^AUTH_TOKEN_RETENTION_DAYS: /),
    ]);
    expect(scheduleOf(JOB_QUEUES.backup, readJobsConfig({ JOBS_BACKUP_CRON: "0 2 * * *" }))).toBe(
      "0 2 * * *",
    );
  });
});

describe("privacy config", () => {
  it("defaults to a 30-day grace period and 7-day exports", () => {
    expect(readPrivacyConfig({})).toEqual({ ACCOUNT_DELETION_GRACE_DAYS: 30, DATA_EXPORT_TTL_DAYS: 7 });
  });

  it("refuses a grace period of zero days, saying why", () => {
    expect(envProblems(() => readPrivacyConfig({ ACCOUNT_DELETION_GRACE_DAYS: "0" }))).toEqual([
      "ACCOUNT_DELETION_GRACE_DAYS: must be at least 1: the grace period is what lets a person change their mind",
    ]);
  });
});
