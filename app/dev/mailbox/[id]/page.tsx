import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { readDevMail } from "@/lib/mail";

export const metadata: Metadata = { title: "Dev mailbox" };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium" });

type Props = { params: Promise<{ id: string }> };

/** One message: its headers, the text part with clickable links, and the HTML part in a sandbox. */
export default async function DevMailPage({ params }: Props) {
  if (process.env.NODE_ENV === "production") notFound();
  const mail = await readDevMail((await params).id);
  if (!mail) notFound();

  return (
    <>
      <p className="text-sm">
        <Link
          href="/dev/mailbox"
          className="rounded-sm font-semibold text-indigo-700 underline underline-offset-4"
        >
          All messages
        </Link>
      </p>
      <h1 className="mt-4 text-3xl font-bold tracking-tight">{mail.subject || "(no subject)"}</h1>
      <dl className="mt-6 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
        <dt className="font-semibold text-slate-700">From</dt>
        <dd className="text-slate-600">{mail.from}</dd>
        <dt className="font-semibold text-slate-700">To</dt>
        <dd className="text-slate-600">{mail.to}</dd>
        <dt className="font-semibold text-slate-700">Date</dt>
        <dd className="text-slate-600">
          <time dateTime={mail.date}>{dateFormat.format(new Date(mail.date))}</time>
        </dd>
        <dt className="font-semibold text-slate-700">Message-ID</dt>
        <dd className="break-all text-slate-600">{mail.messageId}</dd>
      </dl>

      <section aria-labelledby="text-part" className="mt-10">
        <h2 id="text-part" className="text-xl font-bold tracking-tight">
          Text
        </h2>
        <pre className="mt-3 overflow-x-auto rounded-lg border border-slate-200 bg-slate-50 p-4 font-mono text-sm whitespace-pre-wrap break-words">
          <LinkifiedText text={mail.text} />
        </pre>
      </section>

      <section aria-labelledby="html-part" className="mt-10">
        <h2 id="html-part" className="text-xl font-bold tracking-tight">
          HTML
        </h2>
        {/* srcdoc, not a route: proxy.ts puts the app's policy (frame-ancestors 'none') on every
            route's response, so a same-origin frame would be refused. A srcdoc frame inherits this
            page's policy, whose development form allows the inline styles mail HTML needs; the page
            answers 404 in production. `sandbox` without allow-scripts/allow-same-origin: the mail's
            markup runs no script and can't reach this page. <base target="_top"> opens its links here. */}
        <iframe
          srcDoc={withLinksOnTop(mail.html)}
          title={`HTML part of “${mail.subject}”`}
          sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
          className="mt-3 h-[40rem] w-full rounded-lg border border-slate-200"
        />
      </section>
    </>
  );
}

const URL_IN_TEXT = /(https?:\/\/[^\s<>"']+)/;

/** The text with every http(s) URL turned into a link; React escapes the rest. */
function LinkifiedText({ text }: { text: string }) {
  // split() with a capturing group keeps the URLs at the odd indexes.
  return text.split(URL_IN_TEXT).map((part, index) =>
    index % 2 === 1 ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string never reorder
      <a key={index} href={part} className="break-all text-indigo-700 underline underline-offset-4">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

/** Makes the mail's links replace the mailbox page rather than load inside the small frame. */
function withLinksOnTop(html: string): string {
  const base = '<base target="_top">';
  const head = /<head(\s[^>]*)?>/i;
  return head.test(html) ? html.replace(head, (tag) => tag + base) : base + html;
}
