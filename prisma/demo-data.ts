// The demo data `npm run db:seed` (and the first `npm run dev`) creates. Plain constants with no
// imports, so browser tests can sign in as these users without loading server code.

/** Development only: printed on every `npm run dev` start, and refused in production by the guard. */
export const DEMO_PASSWORD = "orchard-lantern-velvet-42";

export const DEMO_ORGANIZATION = { slug: "acme", name: "Acme" } as const;

export const DEMO_USERS = [
  { email: "owner@example.com", name: "Olivia Owner", role: "OWNER" },
  { email: "admin@example.com", name: "Adam Admin", role: "ADMIN" },
  { email: "member@example.com", name: "Mia Member", role: "MEMBER" },
] as const;

export const DEMO_PROJECTS = [
  { name: "Website relaunch", description: "New marketing site, launching next quarter." },
  { name: "Mobile app", description: "iOS and Android apps for field teams." },
  { name: "Customer portal", description: "Self-service billing and support for customers." },
] as const;
