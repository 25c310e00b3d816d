// The rule that keeps demo data (with a published password) out of production databases.
// A pure function so it can be tested without a database: prisma/seed.ts calls it before connecting.

export interface SeedGuardInput {
  nodeEnv: string | undefined;
  databaseUrl: string | undefined;
  /** PRODUCTION_DATABASE_HOSTS: comma-separated host names; "*.example.com" matches any subdomain. */
  productionHosts: string | undefined;
}

/** Why seeding must not run against this database, or null when it may. */
export function seedRefusalReason({ nodeEnv, databaseUrl, productionHosts }: SeedGuardInput): string | null {
  if (nodeEnv === "production") {
    return "NODE_ENV is production. The seed creates demo accounts with a published password; it never runs in production.";
  }
  if (!databaseUrl) {
    return "DATABASE_URL is not set. Set it to the development database to seed, or start `npm run dev`, which seeds its embedded database.";
  }
  let host: string;
  try {
    host = normalizeHost(new URL(databaseUrl).hostname);
  } catch {
    return "DATABASE_URL is not a valid URL (expected postgresql://user:password@host:port/database).";
  }
  const match = parseHostPatterns(productionHosts).find((pattern) => hostMatches(host, pattern));
  if (match !== undefined) {
    return `the database host ${host} matches "${match}" in PRODUCTION_DATABASE_HOSTS. The seed creates demo accounts with a published password; it never runs against a production database.`;
  }
  return null;
}

function parseHostPatterns(list: string | undefined): string[] {
  return (list ?? "")
    .split(",")
    .map((entry) => normalizeHost(entry.trim()))
    .filter((entry) => entry !== "");
}

/**
 * Exact names match case-insensitively. "*.example.com" matches db.example.com and a.b.example.com,
 * but not example.com itself: broader than a TLS wildcard on purpose, since this list is a safety net.
 */
function hostMatches(host: string, pattern: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return host === pattern;
}

// URL.hostname keeps IPv6 brackets ("[::1]") and DNS names may carry a trailing dot.
function normalizeHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
}
