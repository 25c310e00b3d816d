// Throws in the browser on purpose, so the e2e suite can prove that client errors reach Sentry.
// 404 unless ENABLE_TEST_ROUTES=true (never set in a deployment).
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { serverEnv } from "@/lib/env";
import { ThrowOnClick } from "./throw-on-click";

export const metadata = { title: "Client error check", robots: { index: false } };

export default async function ClientErrorCheckPage() {
  // The running server's setting decides, not the build's.
  await connection();
  if (!serverEnv().ENABLE_TEST_ROUTES) notFound();
  return (
    <main id="main" className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-2xl font-bold">Client error check</h1>
      <ThrowOnClick />
    </main>
  );
}
