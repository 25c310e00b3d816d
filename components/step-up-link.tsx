import Link from "next/link";

/**
 * The way out of a `step_up_required` refusal: the re-authentication page, which sends the person
 * back to `returnTo` (a path of this site) once they have confirmed it's them.
 */
export function StepUpLink({ returnTo }: { returnTo: string }) {
  return (
    <Link
      href={`/reauth?next=${encodeURIComponent(returnTo)}`}
      className="font-semibold text-indigo-700 underline underline-offset-4"
    >
      Confirm it's you
    </Link>
  );
}
