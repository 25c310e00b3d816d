// `npm test`: unit tests (tests/unit) and integration tests against PostgreSQL (tests/integration).
// Which PostgreSQL: tests/support/global-setup.ts. CI: TEST_DATABASE_URL=... REQUIRE_SERVICES=1 npm test.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// Without a PostgreSQL server the integration tests share one embedded PGlite database: one file at a time.
const sharedEmbeddedDatabase = !(process.env.TEST_DATABASE_URL || process.env.DATABASE_URL);

export default defineConfig({
  resolve: {
    alias: [
      // `@/lib/...` as in the app (tsconfig paths).
      { find: /^@\//, replacement: `${root}/` },
      // lib modules `import "server-only"`, which throws outside React Server Components. Tests are
      // server code: use the package's own empty module, as the react-server condition would.
      { find: /^server-only$/, replacement: `${root}/node_modules/server-only/empty.js` },
    ],
  },
  test: {
    projects: [
      {
        extends: true,
        // Some unit tests hash with argon2id on purpose (recovery codes): room for a busy machine.
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/worker-setup.ts"],
          fileParallelism: !sharedEmbeddedDatabase,
          // Real databases and processes: slower than unit tests, and starting a PGlite takes seconds.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
