// Rate limits on a real Redis: the shared one at REDIS_URL (default redis://127.0.0.1:6379) with a
// key prefix unique to this run, and private redis-server processes this file starts, kills and
// pauses to see what the limiter does when its store goes down or hangs.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "@/lib/log";
import {
  flushErrorReports,
  reportError,
  startErrorReporting,
  stopErrorReporting,
} from "@/lib/monitoring/server";
import {
  createRateLimiter,
  createRedisStore,
  createUpstashStore,
  type RateLimitPolicy,
  type RateLimitStore,
  rateLimitedResponse,
} from "@/lib/ratelimit";
import { type SentryEnvelope, startSentrySink } from "../support/sentry-sink";
import { closedPort, pingRedis, requireService } from "../support/services";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const PREFIX = `test:ratelimit:${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const TIMEOUT_MS = 500;

// A one-day window: a sliding window that starts over mid-test would let an extra request through.
const policy = (name: string, onStoreDown: "closed" | "open"): RateLimitPolicy => ({
  name,
  limit: 5,
  windowSeconds: 86_400,
  algorithm: "sliding-window",
  keyKind: "ip",
  onStoreDown,
});
const policies = {
  auth: policy("test-auth", "closed"),
  general: policy("test-general", "open"),
  account: { ...policy("test-account", "closed"), keyKind: "account" as const },
};

const redisUp = await requireService(`Redis at ${REDIS_URL}`, () => pingRedis(REDIS_URL));
const redisServerInstalled = await requireService("the redis-server program", async () => {
  const result = spawnSync("redis-server", ["--version"]);
  if (result.error) throw result.error;
});

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  // Every cleanup runs even when another fails, so no redis-server outlives the tests.
  const results = await Promise.allSettled(cleanups.reverse().map((cleanup) => cleanup()));
  const failure = results.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
});

/** A limiter whose error log lines are collected. */
// As instrumentation.ts wires the app's limiter (setRateLimitOutageReporter).
const reportOutage = (error: unknown, tags: Record<string, string>) => reportError(error, { tags });

function limiterOn(store: RateLimitStore) {
  const errors: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      errors.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = createLogger({ LOG_LEVEL: "error", LOG_FORMAT: "json", destination, secrets: [] });
  cleanups.push(() => store.close());
  return {
    limiter: createRateLimiter({ store, policies, timeoutMs: TIMEOUT_MS, logger, reportOutage }),
    errors,
  };
}

describe.skipIf(!redisUp)("rate limits on the shared Redis", () => {
  it("refuses the 6th request within a 5-per-window policy, with 429 and the RateLimit headers", async () => {
    const { limiter } = limiterOn(
      createRedisStore({ url: REDIS_URL, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
    );
    const ip = "203.0.113.7";

    for (let i = 1; i <= 5; i++) {
      expect(await limiter.check("auth", ip)).toMatchObject({
        allowed: true,
        storeUnavailable: false,
        remaining: 5 - i,
      });
    }
    const sixth = await limiter.check("auth", ip);
    expect(sixth).toMatchObject({ allowed: false, reason: "limited", limit: 5, remaining: 0 });
    if (sixth.allowed) return;

    const response = rateLimitedResponse(sixth, policies.auth);
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
    expect(response.headers.get("RateLimit-Policy")).toBe('"test-auth";q=5;w=86400');
    const rateLimit = /^"test-auth";r=0;t=(\d+)$/.exec(response.headers.get("RateLimit") ?? "");
    expect(rateLimit).not.toBeNull();
    const secondsToReset = Number(rateLimit?.[1]);
    expect(secondsToReset).toBeGreaterThan(0);
    expect(secondsToReset).toBeLessThanOrEqual(86_400);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThanOrEqual(secondsToReset);

    // Another IP has its own count.
    expect((await limiter.check("auth", "203.0.113.8")).allowed).toBe(true);

    // The keys hold a hash, not the address.
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${PREFIX}:*`);
    await admin.quit();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key.startsWith(`${PREFIX}:test-auth:`) && !key.includes("203.0.113"))).toBe(
      true,
    );
  });

  it("holds the limit across two limiter instances on two connections to one Redis", async () => {
    const a = limiterOn(createRedisStore({ url: REDIS_URL, prefix: PREFIX, timeoutMs: TIMEOUT_MS })).limiter;
    const b = limiterOn(createRedisStore({ url: REDIS_URL, prefix: PREFIX, timeoutMs: TIMEOUT_MS })).limiter;
    const account = `someone-${randomBytes(4).toString("hex")}@example.com`;

    const allowed = [];
    for (let i = 0; i < 5; i++) allowed.push((await (i % 2 === 0 ? a : b).check("account", account)).allowed);
    expect(allowed).toEqual([true, true, true, true, true]);
    // Either instance refuses the 6th, however the email is written: the key is the normalised address.
    expect((await b.check("account", `  ${account.toUpperCase()} `)).allowed).toBe(false);
    expect((await a.check("account", account)).allowed).toBe(false);
  });

  it("gives a counted request back on refund, on Redis and on Upstash REST", async () => {
    const token = randomBytes(16).toString("hex");
    const url = await startUpstashStandIn(REDIS_URL, token);
    const stores = [
      createRedisStore({ url: REDIS_URL, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
      createUpstashStore({ url, token, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
    ];
    for (const store of stores) {
      const { limiter, errors } = limiterOn(store);
      const account = `refund-${store.kind}-${randomBytes(4).toString("hex")}@example.com`;
      // 5 counted, 2 given back: 2 more fit before the limit, as if only 3 had been counted.
      for (let i = 0; i < 5; i++) expect((await limiter.check("account", account)).allowed).toBe(true);
      await limiter.refund("account", account);
      await limiter.refund("account", account);
      const allowed = [];
      for (let i = 0; i < 3; i++) allowed.push((await limiter.check("account", account)).allowed);
      expect(allowed).toEqual([true, true, false]);
      expect(errors).toEqual([]);
    }
  });

  it("forgets a key's count on reset, also what the last window counted, on Redis and on Upstash REST", async () => {
    const token = randomBytes(16).toString("hex");
    const url = await startUpstashStandIn(REDIS_URL, token);
    const stores = [
      createRedisStore({ url: REDIS_URL, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
      createUpstashStore({ url, token, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
    ];
    const sixChecks = async (limiter: ReturnType<typeof limiterOn>["limiter"], account: string) => {
      const allowed = [];
      for (let i = 0; i < 6; i++) allowed.push((await limiter.check("account", account)).allowed);
      return allowed;
    };
    const asIfNeverSeen = [true, true, true, true, true, false];
    // Only Date is faked (the store's timeouts stay real), so the test can step into the next window.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      for (const store of stores) {
        const { limiter, errors } = limiterOn(store);
        const day = 86_400_000;
        vi.setSystemTime(Math.floor(Date.now() / day) * day + 1_000);
        const sameWindow = `reset-${store.kind}-${randomBytes(4).toString("hex")}@example.com`;
        const windowTurned = `reset-${store.kind}-${randomBytes(4).toString("hex")}@example.com`;
        const untouched = `reset-${store.kind}-${randomBytes(4).toString("hex")}@example.com`;
        for (let i = 0; i < 5; i++) {
          await limiter.check("account", sameWindow);
          await limiter.check("account", windowTurned);
        }
        await limiter.check("account", untouched);

        await limiter.reset("account", sameWindow);
        expect(await sixChecks(limiter, sameWindow)).toEqual(asIfNeverSeen);
        expect((await limiter.check("account", untouched)).remaining).toBe(3);

        // A second into the next window the last window's 5 still weigh 4; the reset forgets them.
        vi.setSystemTime(Date.now() + day);
        await limiter.reset("account", windowTurned);
        expect(await sixChecks(limiter, windowTurned)).toEqual(asIfNeverSeen);
        expect(errors).toEqual([]);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts on the Upstash REST store too (through a local stand-in for Upstash's API)", async () => {
    const token = randomBytes(16).toString("hex");
    const url = await startUpstashStandIn(REDIS_URL, token);
    const { limiter } = limiterOn(createUpstashStore({ url, token, prefix: PREFIX, timeoutMs: TIMEOUT_MS }));
    const ip = "203.0.113.99";

    const allowed = [];
    for (let i = 0; i < 6; i++) allowed.push((await limiter.check("auth", ip)).allowed);
    expect(allowed).toEqual([true, true, true, true, true, false]);

    // A wrong token is an unusable store: the auth policy fails closed.
    const wrongToken = limiterOn(
      createUpstashStore({ url, token: "wrong", prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
    );
    expect(await wrongToken.limiter.check("auth", "203.0.113.100")).toMatchObject({
      allowed: false,
      reason: "store_unavailable",
    });
  });
});

describe.skipIf(!redisServerInstalled)("when the store goes down", () => {
  it("loads each script into Redis once, then runs it by its sha", async () => {
    const server = await startRedisServer();
    const { limiter } = limiterOn(
      createRedisStore({ url: server.url, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
    );
    for (let i = 0; i < 4; i++) await limiter.check("auth", "192.0.2.1");

    const stats = await server.admin.info("commandstats");
    expect(callsOf(stats, "eval")).toBe(1);
    expect(callsOf(stats, "evalsha")).toBe(4);
  });

  it("fails closed for an auth policy (503) and open for a general one when Redis is killed", async () => {
    const sink = await startSentrySink(await closedPort());
    cleanups.push(async () => {
      sink.closeAllConnections();
      await new Promise((resolve) => sink.close(resolve));
    });
    const sinkPort = (sink.address() as { port: number }).port;
    await startErrorReporting({ SENTRY_DSN: `http://key@127.0.0.1:${sinkPort}/1` });
    cleanups.push(() => stopErrorReporting());

    const server = await startRedisServer();
    const { limiter, errors } = limiterOn(
      createRedisStore({ url: server.url, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
    );
    expect((await limiter.check("auth", "192.0.2.1")).allowed).toBe(true);
    expect((await limiter.check("general", "192.0.2.1")).allowed).toBe(true);

    await server.kill();

    const auth = await limiter.check("auth", "192.0.2.1");
    expect(auth).toMatchObject({ allowed: false, reason: "store_unavailable" });
    if (auth.allowed) return;
    const response = rateLimitedResponse(auth, policies.auth);
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("rate_limit_unavailable");
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(response.headers.get("RateLimit-Policy")).toBe('"test-auth";q=5;w=86400');
    expect(response.headers.get("RateLimit")).toBeNull();

    expect(await limiter.check("general", "192.0.2.1")).toMatchObject({
      allowed: true,
      storeUnavailable: true,
    });

    // While the outage lasts, each policy reports its first failure; the next ones are counted.
    expect((await limiter.check("auth", "192.0.2.2")).allowed).toBe(false);
    expect(errors.map((line) => [line.level, line.policy, line.onStoreDown])).toEqual([
      ["error", "test-auth", "closed"],
      ["error", "test-general", "open"],
    ]);
    // Only the fail-closed policy is reported to Sentry.
    await flushErrorReports(5000);
    const envelopes = (await (
      await fetch(`http://127.0.0.1:${sinkPort}/envelopes`)
    ).json()) as SentryEnvelope[];
    const events = envelopes.flatMap((envelope) =>
      envelope.items.filter((item) => item.header.type === "event"),
    );
    const tags = events.map((event) => (event.payload as { tags?: Record<string, string> }).tags);
    expect(tags).toEqual([
      expect.objectContaining({ rate_limit_policy: "test-auth", rate_limit_store: "redis" }),
    ]);
  });

  it("bounds a hung Redis by the timeout and treats it as down", async () => {
    const server = await startRedisServer();
    const { limiter, errors } = limiterOn(
      createRedisStore({ url: server.url, prefix: PREFIX, timeoutMs: TIMEOUT_MS }),
    );
    expect((await limiter.check("auth", "192.0.2.1")).allowed).toBe(true);

    server.process.kill("SIGSTOP");
    try {
      // Each check resolves (the test's own timeout would fail it otherwise) with "store down".
      expect(await limiter.check("auth", "192.0.2.1")).toMatchObject({
        allowed: false,
        reason: "store_unavailable",
      });
      expect(await limiter.check("general", "192.0.2.1")).toMatchObject({
        allowed: true,
        storeUnavailable: true,
      });
    } finally {
      server.process.kill("SIGCONT");
    }
    expect(errors).toHaveLength(2);
  });

  it("bounds an Upstash REST endpoint that accepts connections and never answers", async () => {
    const silent = await listenSilently();
    const port = (silent.address() as { port: number }).port;
    const store = createUpstashStore({
      url: `http://127.0.0.1:${port}`,
      token: "test-token",
      prefix: PREFIX,
      timeoutMs: TIMEOUT_MS,
    });
    const { limiter } = limiterOn(store);

    expect(await limiter.check("auth", "192.0.2.1")).toMatchObject({
      allowed: false,
      reason: "store_unavailable",
    });
    expect(await limiter.check("general", "192.0.2.1")).toMatchObject({
      allowed: true,
      storeUnavailable: true,
    });
  });
});

/**
 * A stand-in for Upstash's REST API in front of a real Redis: `POST /` runs one command (a JSON
 * array), `POST /pipeline` several, with `Authorization: Bearer <token>`. Like Upstash it accepts
 * scripts flagged `#!lua flags=allow-key-locking` (the flag is dropped before they reach Redis 7).
 */
async function startUpstashStandIn(redisUrl: string, token: string): Promise<string> {
  const redis = new Redis(redisUrl);
  const shaOfStripped = new Map<string, string>();
  const strip = (script: string) => script.replace(/^#!lua flags=allow-key-locking/, "#!lua");
  const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

  async function run([name, ...args]: (string | number)[]): Promise<unknown> {
    const command = String(name).toLowerCase();
    if (command === "eval") {
      const script = String(args[0]);
      shaOfStripped.set(sha1(script), sha1(strip(script)));
      return redis.call("eval", strip(script), ...args.slice(1));
    }
    if (command === "evalsha") {
      return redis.call("evalsha", shaOfStripped.get(String(args[0])) ?? String(args[0]), ...args.slice(1));
    }
    return redis.call(command, ...args);
  }
  const failure = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) });

  const server = createHttpServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    response.setHeader("content-type", "application/json");
    if (request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401).end(JSON.stringify({ error: "Unauthorized" }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString()) as (string | number)[] | (string | number)[][];
    if (request.url === "/pipeline") {
      const commands = body as (string | number)[][];
      const results = await Promise.all(
        commands.map((command) => run(command).then((result) => ({ result }), failure)),
      );
      response.writeHead(200).end(JSON.stringify(results));
      return;
    }
    await run(body as (string | number)[]).then(
      (result) => response.writeHead(200).end(JSON.stringify({ result })),
      (error: unknown) => response.writeHead(400).end(JSON.stringify(failure(error))),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await redis.quit();
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

function callsOf(commandStats: string, command: string): number {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(commandStats);
  return Number(match?.[1] ?? 0);
}

/** A TCP server that accepts connections and never writes a byte. */
async function listenSilently(): Promise<Server> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return server;
}

/** A private, throwaway redis-server on a spare port, stopped after the tests. */
async function startRedisServer(): Promise<{
  url: string;
  process: ChildProcess;
  admin: Redis;
  kill: () => Promise<void>;
}> {
  const port = await closedPort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
    await exited;
  };
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on("error", () => {});
  cleanups.push(async () => {
    admin.disconnect();
    await kill();
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await pingRedis(url);
      break;
    } catch (error) {
      if (attempt === 100) throw new Error(`redis-server on port ${port} did not start: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await admin.connect();
  return { url, process: child, admin, kill };
}
