import type { Metadata } from "next";
import { ButtonLink } from "@/components/ui/button";

export const metadata: Metadata = {
  title: "Pricing",
  description: "Shipshape plans and prices.",
};

// Placeholder until the billing module defines the plans; it will render them from its plan table.
export default function PricingPage() {
  return (
    <section aria-labelledby="pricing-title" className="mx-auto max-w-5xl px-4 py-20 sm:px-6">
      <h1 id="pricing-title" className="text-4xl font-bold tracking-tight">
        Pricing
      </h1>
      <p className="mt-6 max-w-2xl text-lg text-slate-600">
        Plans and prices arrive with the billing module.
      </p>
      <div className="mt-8">
        <ButtonLink href="/sign-up">Create an account</ButtonLink>
      </div>
    </section>
  );
}
