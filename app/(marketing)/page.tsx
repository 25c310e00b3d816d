import Link from "next/link";
import { ButtonLink } from "@/components/ui/button";

const features = [
  {
    title: "Hardened authentication",
    body: "Email verification, password reset, multi-factor authentication and sessions you can revoke.",
  },
  {
    title: "Per-object authorization",
    body: "One policy table decides who may do what to which record; every query carries the tenant.",
  },
  {
    title: "Rate limiting",
    body: "Per-IP and per-user limits on sign-in, sign-up and the API, backed by Redis or Upstash.",
  },
  {
    title: "Stripe billing",
    body: "Plans, checkout and the customer portal, with webhooks that are verified and idempotent.",
  },
  {
    title: "Audit log",
    body: "Who did what and when, written in the same transaction as the change and hash-chained.",
  },
  {
    title: "Monitoring and backups",
    body: "Structured logs, error reporting, health checks, and backups whose restore is tested.",
  },
] as const;

export default function LandingPage() {
  return (
    <>
      <section aria-labelledby="hero-title" className="mx-auto max-w-5xl px-4 pt-20 pb-16 sm:px-6">
        <p className="text-sm font-semibold text-indigo-700">Next.js SaaS starter</p>
        <h1 id="hero-title" className="mt-2 max-w-3xl text-4xl font-bold tracking-tight sm:text-5xl">
          Start your SaaS with the hard parts already done right.
        </h1>
        <p className="mt-6 max-w-2xl text-lg text-slate-600">
          Shipshape is a production-ready Next.js starter. Authentication, authorization, rate limits,
          billing, auditing, monitoring and backups are built in, tested against real services, and written to
          be read.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <ButtonLink href="/sign-up">Create an account</ButtonLink>
          <ButtonLink href="/sign-in" variant="secondary">
            Sign in
          </ButtonLink>
        </div>
      </section>

      <section aria-labelledby="features-title" className="border-t border-slate-200 bg-slate-50">
        <div className="mx-auto max-w-5xl px-4 py-16 sm:px-6">
          <h2 id="features-title" className="text-2xl font-bold tracking-tight">
            What is included
          </h2>
          <ul className="mt-8 grid gap-6 sm:grid-cols-2 lg:grid-cols-3">
            {features.map((feature) => (
              <li key={feature.title} className="rounded-lg border border-slate-200 bg-white p-5">
                <h3 className="font-semibold">{feature.title}</h3>
                <p className="mt-2 text-sm text-slate-600">{feature.body}</p>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section aria-labelledby="pricing-title" className="mx-auto max-w-5xl px-4 py-16 sm:px-6">
        <h2 id="pricing-title" className="text-2xl font-bold tracking-tight">
          Pricing
        </h2>
        <p className="mt-4 max-w-2xl text-slate-600">
          Plans and prices come from the billing module.{" "}
          <Link
            href="/pricing"
            className="rounded-sm font-semibold text-indigo-700 underline underline-offset-4"
          >
            See the pricing page
          </Link>
          .
        </p>
      </section>
    </>
  );
}
