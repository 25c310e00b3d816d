import { z } from "zod";

/** One email address: something@domain, without spaces or angle brackets. */
export const EMAIL_ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+$/;

/** `addr@domain` or `Display Name <addr@domain>`; the name may not carry quotes, brackets or line breaks. */
const MAILBOX = /^(?:[^<>"\r\n]*<([^<>]+)>|([^<>]+))$/;

export function isMailbox(value: string): boolean {
  const match = MAILBOX.exec(value.trim());
  const address = match?.[1] ?? match?.[2];
  return address !== undefined && EMAIL_ADDRESS.test(address.trim());
}

/**
 * The environment keys the mail module reads. lib/env composes this object into the server schema;
 * the production rule lives in `checkMailEnv` because zod drops refinements when shapes are merged.
 */
export const mailEnvSchema = z.object({
  SMTP_URL: z
    .url({
      protocol: /^smtps?$/,
      error: "must be an smtp:// or smtps:// URL, such as smtps://user:password@smtp.example.com:465",
    })
    .optional()
    .describe("Where mail is sent. Unset outside production: mail is written to the dev mailbox instead."),
  MAIL_FROM: z
    .string()
    .refine(isMailbox, {
      error: 'must be an address or "Name <address>", such as "Shipshape <no-reply@example.com>"',
    })
    .default("Shipshape <no-reply@localhost>")
    .describe("Sender of every email. Use an address your SMTP provider is allowed to send from."),
  APP_NAME: z
    .string()
    .trim()
    .min(1)
    .max(60, { error: "must be at most 60 characters: it appears in every email subject" })
    .default("Shipshape")
    .describe("Product name used in email subjects and bodies."),
  MAIL_DEV_DIR: z
    .string()
    .min(1)
    .default(".data/mail")
    .describe("Folder of the dev mailbox (relative to the working directory), used when SMTP_URL is unset."),
});

/** Production must send real mail: without SMTP_URL, sign-up and password reset would silently fail. */
export function checkMailEnv(
  env: { NODE_ENV: string; SMTP_URL?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (env.NODE_ENV === "production" && !env.SMTP_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["SMTP_URL"],
      message:
        "is required in production (verification and password reset emails must reach users). Set it to your provider's smtps:// URL.",
    });
  }
}

/** What lib/mail reads on its own: its keys, NODE_ENV, and the production rule. */
export const mailConfigSchema = mailEnvSchema
  .extend({ NODE_ENV: z.enum(["development", "test", "production"]).default("development") })
  .superRefine(checkMailEnv);

export type MailConfig = z.infer<typeof mailConfigSchema>;

/** The env module lib/env composes (lib/env/modules.ts): its keys and the rules across them. */
export const envModule = { schema: mailEnvSchema, check: checkMailEnv };
