import { describe, expect, it } from "vitest";
import { isoWeekKey, selectRetention } from "@/lib/backup/retention";

const at = (iso: string) => ({ name: iso, createdAt: new Date(iso) });
const names = (backups: { name: string }[]) => backups.map((backup) => backup.name).sort();

describe("isoWeekKey", () => {
  it.each([
    ["2024-12-30T00:00:00Z", "2025-W01"], // Monday: belongs to the week holding 2 January 2025
    ["2025-01-01T12:00:00Z", "2025-W01"],
    ["2025-01-05T23:59:59Z", "2025-W01"], // Sunday ends the week
    ["2025-01-06T00:00:00Z", "2025-W02"],
    ["2021-01-03T00:00:00Z", "2020-W53"], // a 53-week year
    ["2026-12-31T00:00:00Z", "2026-W53"],
  ])("%s is in %s", (iso, week) => {
    expect(isoWeekKey(new Date(iso))).toBe(week);
  });
});

describe("selectRetention", () => {
  it("keeps the newest backup of each of the last N days that have one", () => {
    const backups = [
      at("2025-03-10T02:00:00Z"),
      at("2025-03-11T02:00:00Z"),
      at("2025-03-12T02:00:00Z"),
      at("2025-03-12T14:00:00Z"), // second of the day: the newer one is that day's
      at("2025-03-13T02:00:00Z"),
    ];
    const { keep, remove } = selectRetention(backups, { keepDaily: 3, keepWeekly: 0 });
    expect(names(keep)).toEqual(["2025-03-11T02:00:00Z", "2025-03-12T14:00:00Z", "2025-03-13T02:00:00Z"]);
    expect(names(remove)).toEqual(["2025-03-10T02:00:00Z", "2025-03-12T02:00:00Z"]);
  });

  it("counts days that have a backup, not calendar days: a gap does not expire old backups", () => {
    const backups = [at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z"), at("2025-03-01T00:00:00Z")];
    expect(selectRetention(backups, { keepDaily: 7, keepWeekly: 0 }).remove).toEqual([]);
  });

  it("adds the newest backup of each of the last M ISO weeks", () => {
    // Daily backups at 03:00 UTC for five weeks, Monday 3 February to Sunday 9 March 2025.
    const backups = Array.from({ length: 35 }, (_, day) =>
      at(new Date(Date.UTC(2025, 1, 3 + day, 3)).toISOString().replace(".000", "")),
    );
    const { keep } = selectRetention(backups, { keepDaily: 7, keepWeekly: 4 });
    expect(names(keep)).toEqual([
      // Sundays, the newest of their weeks: W07, W08, W09 (W10's Sunday is also a daily).
      "2025-02-16T03:00:00Z",
      "2025-02-23T03:00:00Z",
      "2025-03-02T03:00:00Z",
      // The last seven days.
      "2025-03-03T03:00:00Z",
      "2025-03-04T03:00:00Z",
      "2025-03-05T03:00:00Z",
      "2025-03-06T03:00:00Z",
      "2025-03-07T03:00:00Z",
      "2025-03-08T03:00:00Z",
      "2025-03-09T03:00:00Z",
    ]);
  });

  it("uses UTC days: 23:30 and 00:30 UTC are two days whatever the machine's time zone", () => {
    const backups = [at("2025-06-01T23:30:00Z"), at("2025-06-02T00:30:00Z")];
    expect(selectRetention(backups, { keepDaily: 2, keepWeekly: 0 }).remove).toEqual([]);
  });

  it("always keeps the newest backup, whatever order the input is in", () => {
    const backups = [at("2025-01-01T00:00:00Z"), at("2025-05-01T00:00:00Z"), at("2025-03-01T00:00:00Z")];
    const { keep, remove } = selectRetention(backups, { keepDaily: 1, keepWeekly: 0 });
    expect(names(keep)).toEqual(["2025-05-01T00:00:00Z"]);
    expect(remove).toHaveLength(2);
    expect(backups.map((backup) => backup.name)).toEqual([
      "2025-01-01T00:00:00Z",
      "2025-05-01T00:00:00Z",
      "2025-03-01T00:00:00Z",
    ]);
  });

  it("keeps nothing extra for an empty list, and refuses a policy that would delete everything", () => {
    expect(selectRetention([], { keepDaily: 7, keepWeekly: 4 })).toEqual({ keep: [], remove: [] });
    expect(() => selectRetention([at("2025-01-01T00:00:00Z")], { keepDaily: 0, keepWeekly: 0 })).toThrow(
      /keepDaily must be at least 1/,
    );
  });
});
