// Prisma CLI configuration (Prisma 7 keeps the connection URL here, not in schema.prisma).
// DATABASE_URL may be unset: `prisma generate` needs no database, and `npm run dev` / the tests
// start an embedded PostgreSQL and set DATABASE_URL for the commands they run.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
    seed: "tsx --conditions=react-server prisma/seed.ts",
  },
  datasource: {
    url: process.env.DATABASE_URL,
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
