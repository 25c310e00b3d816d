import type { Finding } from "./types";

export const pass = (reason: string): Finding => ({ status: "pass", reason });
export const warn = (reason: string, fix: string): Finding => ({ status: "warn", reason, fix });
export const fail = (reason: string, fix: string): Finding => ({ status: "fail", reason, fix });

/** "a, b, c and 4 more": lists stay on one line. */
export function listSome(items: string[], max = 3): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** "under a minute", "5 min", "3 h", "2 days": an age for people. */
export function formatAge(ms: number): string {
  // The database's clock and this machine's can differ by a little: "just now", never a negative age.
  if (ms < 60_000) return "under a minute";
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}
