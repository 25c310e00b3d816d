import { notFound } from "next/navigation";
import { AdminNotFoundError } from "@/lib/admin";

/** The admin pages' lookups: an unknown user or organization renders the 404 page. */
export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AdminNotFoundError) notFound();
    throw error;
  }
}
