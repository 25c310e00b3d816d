import "server-only";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import nodemailer, { type NodemailerError, type SendMailOptions } from "nodemailer";
import { logger } from "@/lib/log";
import { EMAIL_ADDRESS, type MailConfig } from "./config";
import { newMailId, writeDevMail } from "./dev-mailbox";
import { domainOf, maskAddresses } from "./privacy";
import { readMailConfig } from "./read-config";
import type { MailContent } from "./templates/layout";

export type { MailConfig } from "./config";
export { type DevMail, listDevMail, readDevMail } from "./dev-mailbox";
export { type AppLink, appLink } from "./links";
export { readMailConfig } from "./read-config";
export {
  accountDeletionScheduledMail,
  accountExistsMail,
  accountLockedMail,
  addressHint,
  confirmEmailChangeMail,
  dataExportReadyMail,
  emailChangedMail,
  escapeHtml,
  invitationMail,
  type MailContent,
  mfaChangedMail,
  passwordChangedMail,
  passwordResetMail,
  paymentFailedMail,
  verifyEmailMail,
} from "./templates";

/** One email to one recipient: a template's output plus the address. Plain data, so a job can carry it. */
export type MailMessage = MailContent & { to: string };

export type SentMail = {
  /** Our id for the message; log lines and the dev mailbox use it. */
  id: string;
  /** The Message-ID header, the same on every attempt so a receiving server can drop duplicates. */
  messageId: string;
  via: "smtp" | "dev-mailbox";
};

/**
 * The message was not delivered. Thrown after the failure was logged, for the caller to surface.
 * It carries a 503 `status` and a stable `code`, so lib/http's wrapper answers an endpoint that
 * lets it through with its `message`, written for the person who pressed the button, and still
 * reports it as an outage (logs and Sentry). The technical account is `detail`, for logs only: it
 * names the mail server's reply, which is no business of the person's.
 */
export class MailDeliveryError extends Error {
  /** Nothing the caller did wrong: the mail server is down, or refused the message. */
  readonly status = 503;
  /** `mail_unavailable`: trying again later may work. `mail_refused`: it won't until something is fixed. */
  readonly code: "mail_unavailable" | "mail_refused";

  constructor(
    /** What happened, for logs: the mail id, the recipient's domain, the server's reply (addresses masked). */
    readonly detail: string,
    readonly mailId: string,
    /** Attempts made, retries included. */
    readonly attempts: number,
    /** True when trying again later can't help (the server refused the message for good, 5xx). */
    readonly permanent: boolean,
    /** The SMTP reply code of the last attempt, when the server answered. */
    readonly smtpCode?: number,
  ) {
    super(
      permanent
        ? "The mail server refused the email, so it was not sent. Sending it again won't help until the address or the mail settings are fixed."
        : "The email could not be sent: the mail server can't be reached right now. Try again in a few minutes.",
    );
    this.name = "MailDeliveryError";
    this.code = permanent ? "mail_refused" : "mail_unavailable";
  }
}

/** Waits before the 2nd and 3rd attempt; the length of this list + 1 is the number of attempts. */
const RETRY_DELAYS_MS = [200, 1000];

/** Failures that are about the connection, not the message: the next attempt may well succeed. */
const CONNECTION_ERROR_CODES = new Set(["ECONNECTION", "ESOCKET", "ETIMEDOUT", "EDNS"]);

/**
 * Sends `message` through SMTP_URL, or writes it to the dev mailbox when SMTP_URL is unset (never in
 * production: the config refuses that). Transient SMTP failures (4xx replies, dropped connections)
 * are retried twice, after 200 ms and 1 s. Every failure is logged (recipient domain only, never
 * the body), and a final failure throws MailDeliveryError.
 *
 * It needs no request (settings come from the environment, or from `config`), so a background job
 * can call it as it is; a job should try again later unless `error.permanent`.
 */
export async function sendMail(
  message: MailMessage,
  config: MailConfig = readMailConfig(),
): Promise<SentMail> {
  if (!EMAIL_ADDRESS.test(message.to)) {
    throw new Error("sendMail: `to` must be exactly one email address (local@domain, no name, no list).");
  }
  const id = newMailId();
  const mail: SendMailOptions = {
    from: config.MAIL_FROM,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: `<${id}@${domainOf(addressOf(config.MAIL_FROM))}>`,
  };
  const logContext = { mailId: id, recipientDomain: domainOf(message.to) };
  return config.SMTP_URL
    ? sendOverSmtp(config.SMTP_URL, mail, id, logContext)
    : saveToDevMailbox(path.resolve(config.MAIL_DEV_DIR), mail, id, logContext);
}

async function sendOverSmtp(
  url: string,
  mail: SendMailOptions,
  id: string,
  logContext: Record<string, string>,
): Promise<SentMail> {
  // Timeouts well under nodemailer's defaults (2 min to connect, 10 min idle): a mail server that
  // hangs must not hold a request for minutes.
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const maxAttempts = RETRY_DELAYS_MS.length + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const info = await transport.sendMail(mail);
      logger.info({ ...logContext, attempt }, "mail sent");
      return { id, messageId: info.messageId, via: "smtp" };
    } catch (error) {
      const failure = describeSmtpFailure(error);
      const retrying = failure.transient && attempt < maxAttempts;
      logger[retrying ? "warn" : "error"](
        {
          ...logContext,
          attempt,
          maxAttempts,
          errorCode: failure.code,
          smtpCode: failure.smtpCode,
          reason: failure.reason,
        },
        retrying ? "mail delivery failed, retrying" : "mail delivery failed",
      );
      if (!retrying) {
        throw new MailDeliveryError(
          `Mail ${id} to …@${logContext.recipientDomain} was not delivered after ${attempt} attempt${attempt === 1 ? "" : "s"}: ${failure.reason}`,
          id,
          attempt,
          !failure.transient,
          failure.smtpCode,
        );
      }
      await sleep(RETRY_DELAYS_MS[attempt - 1]);
    }
  }
}

type SmtpFailure = { transient: boolean; code?: string; smtpCode?: number; reason: string };

function describeSmtpFailure(error: unknown): SmtpFailure {
  const { code, responseCode, permanent, response, message } = error as Partial<NodemailerError>;
  // nodemailer sets `permanent` from the reply code: false for 4xx (and 503), true for other 5xx.
  const transient =
    permanent === false || (responseCode === undefined && CONNECTION_ERROR_CODES.has(code ?? ""));
  // Server replies often quote the recipient ("550 <bob@example.com>: no such user").
  const reason = maskAddresses(response ?? message ?? String(error));
  return { transient, code, smtpCode: responseCode, reason };
}

async function saveToDevMailbox(
  dir: string,
  mail: SendMailOptions,
  id: string,
  logContext: Record<string, string>,
): Promise<SentMail> {
  try {
    // The stream transport builds the same MIME message SMTP would carry, without sending it.
    const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
    const info = await composer.sendMail(mail);
    const file = await writeDevMail(
      dir,
      {
        id,
        messageId: info.messageId,
        date: new Date().toISOString(),
        from: String(mail.from),
        to: String(mail.to),
        subject: String(mail.subject),
        text: String(mail.text),
        html: String(mail.html),
      },
      info.message as Buffer, // `buffer: true` makes it a Buffer, not a stream
    );
    logger.info(
      { ...logContext, file, view: `/dev/mailbox/${id}` },
      "mail written to the dev mailbox (SMTP_URL is unset)",
    );
    return { id, messageId: info.messageId, via: "dev-mailbox" };
  } catch (error) {
    logger.error({ ...logContext, err: error }, "mail could not be written to the dev mailbox");
    throw new MailDeliveryError(
      `Mail ${id} could not be written to the dev mailbox: ${(error as Error).message}`,
      id,
      1,
      false,
    );
  }
}

/** "Shipshape <no-reply@example.com>" → "no-reply@example.com". */
function addressOf(mailbox: string): string {
  return /<([^<>]+)>\s*$/.exec(mailbox)?.[1]?.trim() ?? mailbox.trim();
}
