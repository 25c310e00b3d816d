import "server-only";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { readMailConfig } from "./read-config";

// The dev mailbox: without SMTP_URL (development and tests only), every message is written to a
// folder as <id>.json (what /dev/mailbox shows) and <id>.eml (the exact MIME message SMTP would
// have carried; any mail client opens it).

/** A message as the dev mailbox stores it. */
export type DevMail = {
  id: string;
  messageId: string;
  /** ISO 8601. */
  date: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
};

// Ids start with the time, so that sorting file names sorts messages by age; the random part keeps
// two messages of the same millisecond apart. Only names of this shape are ever read back, which
// keeps a crafted id like "../../x" away from the file system.
const MAIL_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

/** A new message id, such as "20260102T030405678Z-9f86d081". */
export function newMailId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
}

/** The dev mailbox folder, absolute: MAIL_DEV_DIR against the working directory. */
export function devMailboxDir(): string {
  return path.resolve(readMailConfig().MAIL_DEV_DIR);
}

/** Writes one message; the .json goes last (through a rename), so a listing never sees half a message. */
export async function writeDevMail(dir: string, mail: DevMail, raw: Buffer): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${mail.id}.json`);
  await writeFile(path.join(dir, `${mail.id}.eml`), raw);
  await writeFile(`${file}.tmp`, `${JSON.stringify(mail, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}

/** Messages in the dev mailbox, newest first, at most `limit`. An absent folder is an empty mailbox. */
export async function listDevMail(dir: string = devMailboxDir(), limit = 200): Promise<DevMail[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const ids = names
    .filter((name) => name.endsWith(".json") && MAIL_ID.test(name.slice(0, -5)))
    .map((name) => name.slice(0, -5))
    .sort()
    .reverse()
    .slice(0, limit);
  const mails = await Promise.all(ids.map((id) => readDevMail(id, dir)));
  return mails.filter((mail): mail is DevMail => mail !== undefined);
}

/** One message by id, or undefined when there is none (or the id is not a mailbox id). */
export async function readDevMail(id: string, dir: string = devMailboxDir()): Promise<DevMail | undefined> {
  if (!MAIL_ID.test(id)) return undefined;
  try {
    return JSON.parse(await readFile(path.join(dir, `${id}.json`), "utf8")) as DevMail;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
