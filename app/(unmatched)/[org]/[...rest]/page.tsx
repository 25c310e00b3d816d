// Every URL no other route matches ends here (a first segment alone is an organization slug, which
// app/(app)/[org] answers, with a 404 when it isn't one). Rendered per request, the 404 carries the
// CSP nonce of proxy.ts. Without this route, Next.js would answer with its prerendered 404 page,
// which has no nonce, while proxy.ts, which can't know a URL is unknown, sends a nonce policy that
// blocks that page's scripts (decision 0037). app/not-found.tsx itself can't read the request: it is
// rendered into every page's tree, and would make every page dynamic.
import { notFound } from "next/navigation";
import { connection } from "next/server";

export default async function UnmatchedUrl(): Promise<never> {
  await connection();
  notFound();
}
