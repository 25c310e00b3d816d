// A second process appending audit events, for the test that two app instances share the chains
// without forking them (tests/integration/audit-shards.test.ts). Appends to the database at
// DATABASE_URL, on its own connection pool: for each user id in SUBJECTS (comma-separated), ROUNDS
// events about that user, half inside a transaction of the caller's (under the chain's lock) and half
// on their own (the lock-free insert first), all at once. Prints the { chain, seq } of each as JSON.
// Run: node node_modules/tsx/dist/cli.mjs --conditions=react-server tests/support/audit-append-worker.ts
import { recordAuditEvent } from "@/lib/audit";
import { createPrismaClient } from "@/lib/db";

const subjects = (process.env.SUBJECTS ?? "").split(",").filter(Boolean);
const rounds = Number(process.env.ROUNDS ?? 10);
const db = createPrismaClient({ DATABASE_URL: process.env.DATABASE_URL as string, DATABASE_POOL_MAX: 8 });
try {
  const recorded = await Promise.all(
    subjects.flatMap((userId) =>
      Array.from({ length: rounds }, (_, i) => {
        const input = {
          action: "auth.sign_in.succeeded",
          actor: { type: "USER", id: userId },
          metadata: { process: "worker", i },
        } as const;
        return i % 2 === 0
          ? recordAuditEvent(input, db)
          : db.$transaction((tx) => recordAuditEvent(input, tx), { maxWait: 20_000, timeout: 30_000 });
      }),
    ),
  );
  console.log(JSON.stringify(recorded.map(({ chain, seq }) => ({ chain, seq }))));
} finally {
  await db.$disconnect();
}
