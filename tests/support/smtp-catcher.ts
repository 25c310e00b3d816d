// A real SMTP server for tests: it accepts every message (any sender, any recipient, any login, no
// TLS), parses it, and keeps it in memory, so tests check the mail the app actually sent.
//
// In-process (integration tests):
//   const catcher = await startSmtpCatcher();
//   process.env.SMTP_URL = catcher.url;                       // smtp://127.0.0.1:<port>
//   const mail = await catcher.waitForMail({ to: "ada@example.com", subject: /verify/i });
//   await catcher.stop();
//
// As its own process (Playwright's webServer starts it before the app, which gets SMTP_URL):
//   npx tsx tests/support/smtp-catcher.ts <smtp-port> <http-port>
//   GET    /                                          "smtp catcher" (readiness check)
//   GET    /messages                                  every caught message, oldest first (JSON)
//   GET    /messages/wait?to=ADDR&subject=TEXT&timeoutMs=N
//                                                    the newest message for ADDR (subject containing
//                                                    TEXT), waiting up to N ms; 404 when none came
//   DELETE /messages                                  forgets them
// and in the test: `await fetchCaughtMail(catcherHttpUrl, { to, subject })`.
import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One message as the catcher received it. */
export type CaughtMail = {
  /** 1, 2, 3… in order of arrival (clear() does not restart it). */
  seq: number;
  receivedAt: string;
  /** The SMTP envelope: who the message was actually delivered to. */
  envelope: { from: string; to: string[] };
  /** Header values as sent ("Shipshape <no-reply@localhost>"). */
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text: string;
  /** The HTML part; "" when the message has none. */
  html: string;
  /** The whole MIME message. */
  raw: string;
};

export type MailMatch = {
  /** An envelope recipient, compared case-insensitively. */
  to: string;
  /** A subject substring, or a pattern. */
  subject?: string | RegExp;
};

/** An SMTP reply refusing a recipient, such as { code: 451, message: "Try again later" }. */
export type SmtpRefusal = { code: number; message: string };

export type SmtpCatcherOptions = {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Called on every RCPT TO; return a refusal to reject that recipient (to test retries and failures). */
  refuseRecipient?: (address: string) => SmtpRefusal | undefined;
};

export type SmtpCatcher = {
  port: number;
  /** The SMTP_URL that points the app at this catcher. */
  url: string;
  /** Every caught message, oldest first. */
  messages(): CaughtMail[];
  /** The newest message matching `match`, waiting for it to arrive if none has yet. */
  waitForMail(match: MailMatch, timeoutMs?: number): Promise<CaughtMail>;
  clear(): void;
  stop(): Promise<void>;
};

export function matchesMail(mail: CaughtMail, match: MailMatch): boolean {
  const to = match.to.toLowerCase();
  if (!mail.envelope.to.some((address) => address.toLowerCase() === to)) return false;
  if (match.subject === undefined) return true;
  return typeof match.subject === "string"
    ? mail.subject.includes(match.subject)
    : match.subject.test(mail.subject);
}

export async function startSmtpCatcher(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const caught: CaughtMail[] = [];
  const arrivals = new EventEmitter();
  let received = 0;

  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS (the app would try to upgrade and fail on a self-signed
    // certificate), and any login accepted, so an SMTP_URL with credentials works too.
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? "anyone" });
    },
    onRcptTo(address, _session, callback) {
      const refusal = options.refuseRecipient?.(address.address);
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", callback);
      stream.on("end", async () => {
        try {
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          const mail: CaughtMail = {
            seq: ++received,
            receivedAt: new Date().toISOString(),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((recipient) => recipient.address),
            },
            from: parsed.from?.text ?? "",
            to: [parsed.to ?? []]
              .flat()
              .map((address) => address.text)
              .join(", "),
            subject: parsed.subject ?? "",
            messageId: parsed.messageId ?? "",
            text: parsed.text ?? "",
            html: parsed.html || "",
            raw: raw.toString("utf8"),
          };
          caught.push(mail);
          arrivals.emit("mail", mail);
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages: () => [...caught],
    clear: () => {
      caught.length = 0;
    },
    waitForMail(match, timeoutMs = 10_000) {
      const existing = caught.findLast((mail) => matchesMail(mail, match));
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const onMail = (mail: CaughtMail) => {
          if (!matchesMail(mail, match)) return;
          clearTimeout(timer);
          arrivals.off("mail", onMail);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          arrivals.off("mail", onMail);
          const seen = caught.map((mail) => `  ${mail.envelope.to.join(", ")}: ${mail.subject}`).join("\n");
          reject(
            new Error(
              `No mail to ${match.to}${match.subject ? ` with subject ${match.subject}` : ""} within ${timeoutMs} ms. Caught so far:\n${seen || "  (nothing)"}`,
            ),
          );
        }, timeoutMs);
        arrivals.on("mail", onMail);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Serves a catcher's messages over HTTP (see the top of this file), for tests in another process. */
export function serveCatcherOverHttp(catcher: SmtpCatcher, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200).end("smtp catcher");
    } else if (req.method === "GET" && url.pathname === "/messages") {
      json(200, catcher.messages());
    } else if (req.method === "DELETE" && url.pathname === "/messages") {
      catcher.clear();
      res.writeHead(204).end();
    } else if (req.method === "GET" && url.pathname === "/messages/wait") {
      const to = url.searchParams.get("to");
      if (!to) return json(400, { error: "Give the recipient: /messages/wait?to=user@example.com" });
      const subject = url.searchParams.get("subject") ?? undefined;
      const timeoutMs = Number(url.searchParams.get("timeoutMs") ?? 10_000);
      try {
        json(200, await catcher.waitForMail({ to, subject }, timeoutMs));
      } catch (error) {
        json(404, { error: (error as Error).message });
      }
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** The newest message for `match.to` from a catcher served over HTTP, waiting up to `timeoutMs`. */
export async function fetchCaughtMail(
  httpUrl: string,
  match: { to: string; subject?: string },
  timeoutMs = 10_000,
): Promise<CaughtMail> {
  const query = new URLSearchParams({ to: match.to, timeoutMs: String(timeoutMs) });
  if (match.subject) query.set("subject", match.subject);
  const response = await fetch(`${httpUrl}/messages/wait?${query}`);
  const body = (await response.json()) as CaughtMail | { error: string };
  if ("error" in body) throw new Error(body.error);
  return body;
}

// Run directly: npx tsx tests/support/smtp-catcher.ts <smtp-port> <http-port>
if (process.argv[1]?.endsWith("smtp-catcher.ts")) {
  const smtpPort = Number(process.argv[2] ?? process.env.SMTP_CATCHER_PORT ?? 3225);
  const httpPort = Number(process.argv[3] ?? process.env.SMTP_CATCHER_HTTP_PORT ?? smtpPort + 1);
  const catcher = await startSmtpCatcher({ port: smtpPort });
  await serveCatcherOverHttp(catcher, httpPort);
  console.log(`smtp catcher: SMTP on ${catcher.url}, messages on http://127.0.0.1:${httpPort}/messages`);
}
