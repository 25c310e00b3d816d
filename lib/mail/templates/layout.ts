import type { AppLink } from "../links";

/** What every template returns, and what sendMail needs besides the recipient. */
/** The input of a template whose one link expires: who it greets, the link, and how long it works. */
export type ExpiringLinkMail = { name?: string; link: AppLink; validForMinutes: number };

export type MailContent = { subject: string; text: string; html: string };

/** Makes text safe to place in HTML, inside elements and inside quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * A user's name as a greeting may show it. Names are user input, and on sign-up they are typed by
 * whoever enters the address, so they are kept short: an attacker can't write a long message into
 * a mail that the app sends to someone else.
 */
export function greetingName(name: string | undefined): string | undefined {
  const clean = name?.replace(/[\p{Cc}\s]+/gu, " ").trim();
  if (!clean) return undefined;
  return clean.length > 40 ? `${clean.slice(0, 39)}…` : clean;
}

/** "60 minutes", "1 hour", "24 hours", "7 days": how long a link works, as the mail states it. */
export function formatValidity(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new Error(`mail template: validity must be a whole number of minutes ≥ 1, got ${minutes}`);
  }
  if (minutes % 60 !== 0) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = minutes / 60;
  // Whole days from two on ("7 days", not "168 hours"); a day stays "24 hours", as people say it.
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

export type LayoutInput = {
  /** The product name; the header and the signature show it. */
  product: string;
  subject: string;
  /** The recipient's name, if known; shortened by greetingName(). */
  name?: string | undefined;
  /** Plain-text paragraphs before the action. */
  intro: string[];
  /** The one link the mail exists for. */
  action: { label: string; link: AppLink };
  /** Plain-text paragraphs after the action. */
  outro: string[];
};

/**
 * Renders the shared layout as a plain-text part and an HTML part with the same content. Every
 * interpolated value is escaped in the HTML. Inline `style` attributes, because mail clients drop
 * stylesheets; no images, scripts or other links.
 */
export function renderLayout(input: LayoutInput): MailContent {
  const name = greetingName(input.name);
  const greeting = name ? `Hi ${name},` : "Hello,";
  const { label, link } = input.action;

  const text = [greeting, ...input.intro, `${label}:\n${link}`, ...input.outro, `— ${input.product}`].join(
    "\n\n",
  );

  const paragraph = (content: string) =>
    `<p style="margin:0 0 16px;font-size:16px;line-height:24px;">${escapeHtml(content)}</p>`;
  const href = escapeHtml(link);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f8fafc;color:#0f172a;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background-color:#f8fafc;">
<tr><td align="center" style="padding:32px 16px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background-color:#ffffff;border:1px solid #e2e8f0;border-radius:8px;">
<tr><td style="padding:32px;">
<p style="margin:0 0 24px;font-size:18px;font-weight:700;">${escapeHtml(input.product)}</p>
${[greeting, ...input.intro].map(paragraph).join("\n")}
<p style="margin:24px 0;"><a href="${href}" style="display:inline-block;background-color:#4f46e5;color:#ffffff;font-size:16px;font-weight:600;text-decoration:none;padding:12px 20px;border-radius:6px;">${escapeHtml(label)}</a></p>
<p style="margin:0 0 16px;font-size:13px;line-height:20px;color:#475569;">If the button does not work, copy this link into your browser:<br><a href="${href}" style="color:#4338ca;word-break:break-all;">${href}</a></p>
${input.outro.map(paragraph).join("\n")}
<p style="margin:24px 0 0;font-size:16px;line-height:24px;">— ${escapeHtml(input.product)}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return { subject: input.subject, text, html };
}
