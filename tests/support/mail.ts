// Reading the mail the code under test sent: the worker's dev mailbox (worker-setup.ts points
// MAIL_DEV_DIR at a temporary folder), newest first.
import { type DevMail, listDevMail } from "@/lib/mail";

/** Every message sent to `address`, newest first. */
export async function mailTo(address: string): Promise<DevMail[]> {
  return (await listDevMail()).filter((mail) => mail.to === address);
}

/** The token of the `path` link in a mail's text part (e.g. "/verify-email"); throws when there is none. */
export function linkToken(mail: DevMail | undefined, path: string): string {
  const escaped = path.replace(/[/-]/g, "\\$&");
  const token = mail?.text.match(new RegExp(`${escaped}\\?token=([A-Za-z0-9_-]+)`))?.[1];
  if (!token) throw new Error(`no ${path} link in ${mail ? `"${mail.subject}"` : "a missing mail"}`);
  return token;
}
