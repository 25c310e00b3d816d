import type { z } from "zod";

/** Thrown when the environment is invalid. Its message lists every problem, one per line. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example for every variable and its meaning.`,
    );
    this.name = "InvalidEnvironmentError";
  }
}

/**
 * Parses `env` with `schema` and reports every problem at once, naming the variable. An empty value
 * counts as unset (`KEY=` in a .env file). Values are never echoed: they may be secrets.
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined>,
): z.infer<Schema> {
  const setValues = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = schema.safeParse(setValues);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const missing = issue.code === "invalid_type" && setValues[name] === undefined;
    return missing ? `${name}: is required but not set` : `${name}: ${issue.message}`;
  });
  throw new InvalidEnvironmentError(problems);
}
