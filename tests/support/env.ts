import { InvalidEnvironmentError } from "@/lib/env";

/**
 * The problems a config reader reports, one string per problem (`[]` when it accepts the
 * environment). For the config tests of every module: `envProblems(() => readMailConfig(env))`.
 */
export function envProblems(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
}
