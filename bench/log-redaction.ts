// What Shipshape's redaction costs per log line: createLogger() (key redaction at any depth plus
// secret-value scrubbing) against plain pino writing the same lines, measured in the same run.
// Run: npx tsx --conditions=react-server bench/log-redaction.ts
import { Writable } from "node:stream";
import pino from "pino";
import { createLogger } from "../lib/log";

const LINES = 20_000;
const ROUNDS = 7;

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

const typicalLine = {
  userId: "0194c6f4-0000-7000-8000-000000000000",
  orgId: "0194c6f4-0000-7000-8000-000000000001",
  req: { method: "POST", path: "/api/orgs/acme/projects", headers: { "user-agent": "bench", cookie: "a=b" } },
  durationMs: 12,
};

function timeOne(write: () => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) write();
  return Number(process.hrtime.bigint() - started) / LINES / 1000; // µs per line
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const plain = pino({ level: "info" }, discard());
const redacting = createLogger({
  LOG_LEVEL: "info",
  LOG_FORMAT: "json",
  destination: discard(),
  secrets: [
    "sk_live_0123456789abcdef",
    "postgresql://app:s3cr3t@db.internal:5432/app",
    "a-long-auth-secret-value",
  ],
});

// Warm-up, then alternate so both see the same machine conditions.
timeOne(() => plain.info(typicalLine, "project created"));
timeOne(() => redacting.info(typicalLine, "project created"));
const plainRuns: number[] = [];
const redactingRuns: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  plainRuns.push(timeOne(() => plain.info(typicalLine, "project created")));
  redactingRuns.push(timeOne(() => redacting.info(typicalLine, "project created")));
}

const base = median(plainRuns);
const measured = median(redactingRuns);
console.table([
  { logger: "plain pino (baseline)", "µs per line (median)": base.toFixed(2), ratio: "1.00" },
  {
    logger: "Shipshape createLogger",
    "µs per line (median)": measured.toFixed(2),
    ratio: (measured / base).toFixed(2),
  },
]);
