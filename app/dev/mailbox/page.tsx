import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { listDevMail, readMailConfig } from "@/lib/mail";

export const metadata: Metadata = { title: "Dev mailbox" };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium" });

/** Every message in the dev mailbox, newest first. Development and test only: 404 in production. */
export default async function DevMailboxPage() {
  // Production first: nothing of the mailbox, not even a request scope, exists there.
  if (process.env.NODE_ENV === "production") notFound();
  // Read per request: the mailbox changes, and a build must not freeze it.
  await connection();
  const { MAIL_DEV_DIR, SMTP_URL } = readMailConfig();
  const mails = await listDevMail();

  return (
    <>
      <h1 className="text-3xl font-bold tracking-tight">Messages</h1>
      <p className="mt-2 text-slate-600">
        {SMTP_URL
          ? "SMTP_URL is set, so new mail goes to that server. Earlier messages stay here."
          : `Read from ${MAIL_DEV_DIR}, newest first. Delete the folder to empty the mailbox.`}
      </p>

      {mails.length === 0 ? (
        <p className="mt-8 rounded-lg border border-slate-200 bg-slate-50 p-5 text-slate-600">
          No messages yet. Sign up or ask for a password reset, and the mail shows up here.
        </p>
      ) : (
        <div className="mt-8 overflow-x-auto rounded-lg border border-slate-200">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-4 py-3 font-semibold">
                  Subject
                </th>
                <th scope="col" className="px-4 py-3 font-semibold">
                  To
                </th>
                <th scope="col" className="px-4 py-3 font-semibold">
                  Date
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {mails.map((mail) => (
                <tr key={mail.id} className="hover:bg-slate-50">
                  <td className="px-4 py-3">
                    <Link
                      href={`/dev/mailbox/${mail.id}`}
                      className="rounded-sm font-semibold text-indigo-700 underline underline-offset-4"
                    >
                      {mail.subject || "(no subject)"}
                    </Link>
                  </td>
                  <td className="px-4 py-3 text-slate-700">{mail.to}</td>
                  <td className="px-4 py-3 whitespace-nowrap text-slate-600">
                    <time dateTime={mail.date}>{dateFormat.format(new Date(mail.date))}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
