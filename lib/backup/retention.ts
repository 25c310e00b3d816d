// Which backups to keep: the newest backup of each of the last `keepDaily` days that have one, and of
// each of the last `keepWeekly` ISO weeks that have one (restic's --keep-daily/--keep-weekly). A backup
// picked by both rules counts for both. Days and weeks are UTC. The newest backup is always kept
// (it is the newest of its day, and keepDaily is at least 1).

import { rm } from "node:fs/promises";
import path from "node:path";
import { listBackups } from "./manifest";

export interface RetentionPolicy {
  keepDaily: number;
  keepWeekly: number;
}

export interface DatedBackup {
  createdAt: Date;
}

/** "2025-03-14": the UTC calendar day. */
function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** "2025-W11": the ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekKey(date: Date): string {
  const mondayBased = (date.getUTCDay() + 6) % 7;
  const thursday = new Date(
    Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - mondayBased + 3),
  );
  const year = thursday.getUTCFullYear();
  const dayOfYear = (thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000;
  const week = Math.floor(dayOfYear / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** Splits backups into those the policy keeps and those it removes. Pure: the input is not changed. */
export function selectRetention<T extends DatedBackup>(
  backups: readonly T[],
  policy: RetentionPolicy,
): { keep: T[]; remove: T[] } {
  if (!(policy.keepDaily >= 1 && policy.keepWeekly >= 0)) {
    throw new RangeError("retention: keepDaily must be at least 1 and keepWeekly at least 0.");
  }
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const days = new Set<string>();
  const weeks = new Set<string>();
  const keep: T[] = [];
  const remove: T[] = [];
  for (const backup of newestFirst) {
    const day = dayKey(backup.createdAt);
    const week = isoWeekKey(backup.createdAt);
    // Newest first: the first backup seen on a day (or in a week) is that day's (week's) newest.
    const keptAsDaily = !days.has(day) && days.size < policy.keepDaily;
    const keptAsWeekly = !weeks.has(week) && weeks.size < policy.keepWeekly;
    if (keptAsDaily) days.add(day);
    if (keptAsWeekly) weeks.add(week);
    (keptAsDaily || keptAsWeekly ? keep : remove).push(backup);
  }
  return { keep, remove };
}

/**
 * Deletes the backups in `dir` that the policy does not keep: each encrypted file together with its
 * manifest. Only files named like `npm run backup` names them are considered. Returns the removed
 * backup file names.
 */
export async function applyRetention(dir: string, policy: RetentionPolicy): Promise<string[]> {
  const { remove } = selectRetention(await listBackups(dir), policy);
  for (const backup of remove) {
    await rm(path.join(dir, backup.manifestName), { force: true });
    await rm(path.join(dir, backup.fileName), { force: true });
  }
  return remove.map((backup) => backup.fileName);
}
