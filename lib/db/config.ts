import { z } from "zod";

/** The environment keys the db module reads. lib/env validates them at startup with every other module's. */
export const dbEnvSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" })
    .describe("PostgreSQL connection URL. Unset in development: `npm run dev` starts an embedded one."),
  DATABASE_POOL_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe("Connections in the app's pool. The embedded PGlite server needs 1; its runner sets it."),
});

export type DbConfig = z.infer<typeof dbEnvSchema>;

export function readDbConfig(env: Record<string, string | undefined> = process.env): DbConfig {
  return dbEnvSchema.parse(env);
}

/** The env module lib/env composes (lib/env/modules.ts): its keys. */
export const envModule = { schema: dbEnvSchema };
