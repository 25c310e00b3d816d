import Link from "next/link";
import type { ComponentProps } from "react";

type Variant = "primary" | "secondary";

const base =
  "inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-semibold transition-colors disabled:cursor-not-allowed disabled:opacity-60";

// Both variants keep a contrast ratio of at least 4.5:1 in every state (WCAG AA for normal text).
const variants: Record<Variant, string> = {
  primary: "bg-indigo-600 text-white hover:bg-indigo-700",
  secondary: "bg-white text-slate-900 ring-1 ring-slate-300 ring-inset hover:bg-slate-50",
};

function classes(variant: Variant, className: string | undefined): string {
  return [base, variants[variant], className].filter(Boolean).join(" ");
}

type ButtonProps = Omit<ComponentProps<"button">, "type"> & {
  variant?: Variant;
  /** Defaults to "button" so that a button inside a form never submits it by accident. */
  type?: "button" | "submit" | "reset";
};

export function Button({ variant = "primary", className, type = "button", ...props }: ButtonProps) {
  return <button type={type} className={classes(variant, className)} {...props} />;
}

type ButtonLinkProps = ComponentProps<typeof Link> & { variant?: Variant };

/** A link that looks like a button: for navigation, never for actions. */
export function ButtonLink({ variant = "primary", className, ...props }: ButtonLinkProps) {
  return <Link className={classes(variant, className)} {...props} />;
}
