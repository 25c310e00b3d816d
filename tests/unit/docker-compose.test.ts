// Docker cannot run in CI here, so this test checks the structure of docker-compose.yml and the
// Dockerfile instead: the hygiene rules a reviewer would otherwise have to remember. Each rule is a
// function that returns the problems it finds; the first test runs them on the real files, and the
// others break a copy of the real files on purpose to prove each rule notices.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

type HealthCheck = { test?: string | string[]; disable?: boolean };
type Service = {
  image?: string;
  build?: string | { context?: string; target?: string; args?: Record<string, unknown> | string[] };
  env_file?: string | (string | { path: string })[];
  environment?: Record<string, unknown> | string[];
  ports?: (string | number | { host_ip?: string; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: HealthCheck;
};
type Compose = { services?: Record<string, Service>; volumes?: Record<string, unknown> };

const root = path.resolve(import.meta.dirname, "../..");
const composeText = readFileSync(path.join(root, "docker-compose.yml"), "utf8");
const dockerfileText = readFileSync(path.join(root, "Dockerfile"), "utf8");
const realCompose = (): Compose => parse(composeText) as Compose;

// ---------------------------------------------------------------------------------------------------
// Dockerfile reading: just enough to know each stage's parent, USER and HEALTHCHECK.

type Stage = { name: string; from: string; user?: string; healthcheck?: string };

function parseDockerfile(text: string): Stage[] {
  const instructions = text
    .replace(/\\\r?\n/g, " ") // join continuation lines
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    const current = stages.at(-1);
    switch (keyword.toUpperCase()) {
      case "FROM": {
        const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
        stages.push({ from: match?.[1] ?? "", name: match?.[2] ?? String(stages.length) });
        break;
      }
      case "USER":
        if (current) current.user = args;
        break;
      case "HEALTHCHECK":
        if (current) current.healthcheck = args;
        break;
    }
  }
  return stages;
}

/** A stage's USER or HEALTHCHECK, following `FROM <earlier stage>` to what it inherits. */
function inherited(stages: Stage[], name: string, field: "user" | "healthcheck"): string | undefined {
  const stage = stages.find((s) => s.name === name);
  if (!stage) return undefined;
  return stage[field] ?? inherited(stages, stage.from, field);
}

// ---------------------------------------------------------------------------------------------------
// The rules. Each returns human-readable problems: what is wrong, where, and what to do.

const services = (compose: Compose) => Object.entries(compose.services ?? {});

function dependsOn(service: Service): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition]));
}

/** One-shot jobs (like migrations) are the services something waits on to complete. */
function oneShotServices(compose: Compose): Set<string> {
  const names = new Set<string>();
  for (const [, service] of services(compose)) {
    for (const [name, condition] of Object.entries(dependsOn(service))) {
      if (condition === "service_completed_successfully") names.add(name);
    }
  }
  return names;
}

/** The Dockerfile stage a service is built from: its build target, or the last stage. */
function buildStage(service: Service, stages: Stage[]): string | undefined {
  if (!service.build) return undefined;
  const target = typeof service.build === "string" ? undefined : service.build.target;
  return target ?? stages.at(-1)?.name;
}

function requiredServices(compose: Compose): string[] {
  return ["postgres", "redis", "mailpit", "app"]
    .filter((name) => !compose.services?.[name])
    .map((name) => `service "${name}" is missing from docker-compose.yml`);
}

function healthChecks(compose: Compose, stages: Stage[]): string[] {
  const oneShot = oneShotServices(compose);
  const problems: string[] = [];
  for (const [name, service] of services(compose)) {
    if (oneShot.has(name)) continue;
    const check = service.healthcheck;
    const test = check?.test;
    if (check?.disable || (Array.isArray(test) ? test[0] === "NONE" : test === "NONE")) {
      problems.push(`${name}: its healthcheck is disabled; long-running services need one`);
      continue;
    }
    if (test && test.length > 0) continue;
    const stage = buildStage(service, stages);
    if (stage && inherited(stages, stage, "healthcheck")) continue;
    problems.push(
      `${name}: no healthcheck; add one under the service (or a HEALTHCHECK in its Dockerfile stage) so depends_on can wait for it`,
    );
  }
  return problems;
}

function namedVolumes(compose: Compose): string[] {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const problems: string[] = [];
  for (const [name, service] of services(compose)) {
    for (const mount of service.volumes ?? []) {
      const source =
        typeof mount === "string" ? (mount.includes(":") ? mount.split(":")[0] : undefined) : mount.source;
      const type = typeof mount === "string" ? undefined : mount.type;
      const shown = JSON.stringify(mount);
      if (!source || type === "bind" || /^[./~$]/.test(source)) {
        problems.push(
          `${name}: volume ${shown} is not a named volume; mount a named volume declared under top-level "volumes"`,
        );
      } else if (!declared.has(source)) {
        problems.push(`${name}: volume "${source}" is not declared under top-level "volumes"`);
      }
    }
  }
  return problems;
}

function appWaitsForItsDependencies(compose: Compose): string[] {
  const app = compose.services?.app;
  if (!app) return [];
  const deps = dependsOn(app);
  const problems = ["postgres", "redis"]
    .filter((name) => deps[name] !== "service_healthy")
    .map((name) => `app: must depend on ${name} with "condition: service_healthy"`);
  if (!Object.values(deps).includes("service_completed_successfully")) {
    problems.push(`app: must depend on the migration job with "condition: service_completed_successfully"`);
  }
  return problems;
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;
/** A whole value that is one Compose interpolation, e.g. ${POSTGRES_PASSWORD:?message}. */
const INTERPOLATION = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+]).*)?\}$/;
/** user:password@ in a URL, where the password is not an interpolation. */
const URL_WITH_LITERAL_PASSWORD = /:\/\/[^:/@\s]+:(?!\$\{)[^@\s]+@/;

function entries(values: Record<string, unknown> | string[] | undefined): [string, unknown][] {
  if (!values) return [];
  if (!Array.isArray(values)) return Object.entries(values);
  return values.map((entry) => {
    const at = entry.indexOf("=");
    return at === -1 ? [entry, undefined] : [entry.slice(0, at), entry.slice(at + 1)];
  });
}

function noInlineSecrets(compose: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of services(compose)) {
    const args = typeof service.build === "object" ? service.build.args : undefined;
    for (const [key, value] of [...entries(service.environment), ...entries(args)]) {
      if (value === undefined || value === null || value === "") continue; // passed through from .env
      const text = String(value);
      if (SECRET_NAME.test(key) && !INTERPOLATION.test(text)) {
        problems.push(`${name}: ${key} has a literal value; put it in .env and reference it as \${${key}}`);
      }
      if (URL_WITH_LITERAL_PASSWORD.test(text)) {
        problems.push(`${name}: ${key} embeds a literal password in a URL; interpolate it from .env`);
      }
    }
  }
  return problems;
}

function settingsComeFromEnvFile(compose: Compose): string[] {
  const files = (service: Service | undefined) =>
    [service?.env_file ?? []].flat().map((file) => (typeof file === "string" ? file : file.path));
  return files(compose.services?.app).includes(".env")
    ? []
    : [`app: must read its settings with "env_file: .env" (.env.example is the template)`];
}

function portsOnLoopbackOnly(compose: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of services(compose)) {
    for (const port of service.ports ?? []) {
      const loopback =
        typeof port === "object" ? port.host_ip === "127.0.0.1" : String(port).startsWith("127.0.0.1:");
      if (!loopback) {
        problems.push(
          `${name}: port ${JSON.stringify(port)} is published on every interface; bind it to 127.0.0.1 ("127.0.0.1:HOST:CONTAINER")`,
        );
      }
    }
  }
  return problems;
}

function dockerfileHygiene(compose: Compose, stages: Stage[]): string[] {
  const problems: string[] = [];
  if (stages.length < 2) {
    problems.push("Dockerfile: needs separate build and runtime stages (multi-stage build)");
  }
  for (const [name, service] of services(compose)) {
    const stage = buildStage(service, stages);
    if (!stage) continue;
    if (!stages.some((s) => s.name === stage)) {
      problems.push(`${name}: builds Dockerfile stage "${stage}", which does not exist`);
      continue;
    }
    const user = inherited(stages, stage, "user")?.split(":")[0];
    if (!user || user === "root" || user === "0") {
      problems.push(
        `${name}: Dockerfile stage "${stage}" runs as root; add a USER with an unprivileged account`,
      );
    }
  }
  return problems;
}

function allProblems(compose: Compose, dockerfile: string): string[] {
  const stages = parseDockerfile(dockerfile);
  return [
    ...requiredServices(compose),
    ...healthChecks(compose, stages),
    ...namedVolumes(compose),
    ...appWaitsForItsDependencies(compose),
    ...noInlineSecrets(compose),
    ...settingsComeFromEnvFile(compose),
    ...portsOnLoopbackOnly(compose),
    ...dockerfileHygiene(compose, stages),
  ];
}

// ---------------------------------------------------------------------------------------------------

describe("docker-compose.yml and Dockerfile", () => {
  it("follow every rule", () => {
    expect(allProblems(realCompose(), dockerfileText)).toEqual([]);
  });

  it("run the one-shot migration job from a Dockerfile stage, not as a long-running service", () => {
    expect([...oneShotServices(realCompose())]).toEqual(["migrate"]);
    expect(buildStage(realCompose().services?.migrate ?? {}, parseDockerfile(dockerfileText))).toBe(
      "migrate",
    );
  });
});

// Each case breaks one property of a copy of the real files; the rules must report it.
describe("the rules catch", () => {
  const broken = (change: (compose: Compose) => void, dockerfile = dockerfileText) => {
    const compose = realCompose();
    change(compose);
    return allProblems(compose, dockerfile).join("\n");
  };
  const service = (compose: Compose, name: string): Service => {
    const found = compose.services?.[name];
    if (!found) throw new Error(`docker-compose.yml has no "${name}" service`);
    return found;
  };

  it("a missing service", () => {
    expect(broken((c) => delete c.services?.mailpit)).toMatch(/service "mailpit" is missing/);
  });

  it("a long-running service without a healthcheck", () => {
    expect(broken((c) => delete service(c, "redis").healthcheck)).toMatch(/redis: no healthcheck/);
    expect(broken((c) => (service(c, "postgres").healthcheck = { disable: true }))).toMatch(
      /postgres: .*disabled/,
    );
  });

  it("an app image without HEALTHCHECK and no compose healthcheck", () => {
    const withoutHealthcheck = dockerfileText.replace(/^HEALTHCHECK[\s\S]*?\n(?=CMD)/m, "");
    expect(withoutHealthcheck).not.toMatch(/^HEALTHCHECK/m);
    expect(broken(() => {}, withoutHealthcheck)).toMatch(/app: no healthcheck/);
  });

  it("bind mounts, anonymous and undeclared volumes", () => {
    expect(broken((c) => (service(c, "postgres").volumes = ["./pgdata:/var/lib/postgresql/data"]))).toMatch(
      /postgres: volume .* is not a named volume/,
    );
    expect(broken((c) => (service(c, "redis").volumes = ["/data"]))).toMatch(
      /redis: volume .* is not a named volume/,
    );
    expect(broken((c) => delete c.volumes?.["postgres-data"])).toMatch(/"postgres-data" is not declared/);
  });

  it("an app that does not wait for healthy dependencies or for migrations", () => {
    expect(broken((c) => (service(c, "app").depends_on = ["postgres", "redis", "migrate"]))).toMatch(
      /app: must depend on postgres with "condition: service_healthy"/,
    );
    expect(
      broken((c) => {
        const deps = service(c, "app").depends_on as Record<string, unknown>;
        delete deps.migrate;
      }),
    ).toMatch(/app: must depend on the migration job/);
  });

  it("secrets written inline", () => {
    expect(broken((c) => (service(c, "postgres").environment = { POSTGRES_PASSWORD: "hunter2" }))).toMatch(
      /postgres: POSTGRES_PASSWORD has a literal value/,
    );
    expect(broken((c) => (service(c, "app").environment = ["STRIPE_SECRET_KEY=sk_test_123"]))).toMatch(
      /app: STRIPE_SECRET_KEY has a literal value/,
    );
    expect(
      broken(
        (c) =>
          (service(c, "app").environment = { DATABASE_URL: "postgresql://shipshape:hunter2@postgres/db" }),
      ),
    ).toMatch(/app: DATABASE_URL embeds a literal password/);
  });

  it("an app that does not read .env", () => {
    expect(broken((c) => delete service(c, "app").env_file)).toMatch(/app: must read its settings/);
  });

  it("ports published on every interface", () => {
    expect(broken((c) => (service(c, "app").ports = ["3000:3000"]))).toMatch(
      /app: port "3000:3000" is published/,
    );
    expect(broken((c) => (service(c, "mailpit").ports = [{ published: 8025 }]))).toMatch(
      /mailpit: port .* published/,
    );
  });

  it("a single-stage Dockerfile and a root runtime", () => {
    const singleStage = "FROM node:22-bookworm-slim AS runtime\nUSER node\nHEALTHCHECK CMD true\n";
    expect(broken(() => {}, singleStage)).toMatch(/multi-stage build/);
    const runsAsRoot = dockerfileText.replace(/^USER node$/gm, "USER root");
    expect(broken(() => {}, runsAsRoot)).toMatch(/app: Dockerfile stage "runtime" runs as root/);
    const noUser = dockerfileText.replace(/^USER .*$/gm, "");
    expect(broken(() => {}, noUser)).toMatch(/migrate: Dockerfile stage "migrate" runs as root/);
  });
});
