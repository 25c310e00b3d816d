// Organization slugs: the first segment of every organization URL (/<slug>/projects). A slug that
// equals one of the app's own top-level routes would make that organization unreachable (or shadow
// the route), so those names are reserved. A test reads app/'s top-level folders and fails when a
// new one is missing here.

/** Lowercase letters and digits in groups joined by single hyphens; the [org] layout checks the same. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MIN_LENGTH = 3;
export const SLUG_MAX_LENGTH = 48;

/**
 * Names no organization can take: every top-level route of app/ (present and planned), plus names
 * people would mistake for the product's own pages.
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  // Routes of app/ today and those on their way.
  "account",
  "admin",
  "api",
  "billing",
  "dev",
  "email-change",
  "forgot-password",
  "invitations",
  "orgs",
  "pricing",
  "reauth",
  "reset-password",
  "settings",
  "sign-in",
  "sign-out",
  "sign-up",
  "test-support",
  "unlock",
  "verify-email",
  // Next.js and web conventions.
  "_next",
  "favicon",
  "icon",
  "robots",
  "sitemap",
  "manifest",
  "static",
  "public",
  "assets",
  "well-known",
  // Words people would read as the platform speaking.
  "about",
  "app",
  "auth",
  "blog",
  "contact",
  "dashboard",
  "docs",
  "help",
  "home",
  "legal",
  "login",
  "logout",
  "new",
  "oauth",
  "privacy",
  "security",
  "signin",
  "signup",
  "status",
  "support",
  "system",
  "terms",
  "webhooks",
  "www",
]);

/** Why `slug` can't be used, in words a person can act on; null when it can. */
export function slugProblem(slug: string): string | null {
  if (slug.length < SLUG_MIN_LENGTH || slug.length > SLUG_MAX_LENGTH) {
    return `Use ${SLUG_MIN_LENGTH} to ${SLUG_MAX_LENGTH} characters.`;
  }
  if (!SLUG_PATTERN.test(slug)) {
    return "Use lowercase letters, digits and single hyphens, not at the start or end.";
  }
  if (RESERVED_SLUGS.has(slug)) return `"${slug}" is reserved for the app's own pages. Choose another.`;
  return null;
}

/**
 * A slug made from an organization's name: "Acme Corp." → "acme-corp". Accents are dropped
 * ("Café" → "cafe"); names with too few letters or digits get a filler ("Q" → "q-org"), and a reserved
 * result gets "-org" appended too, so the result always passes slugProblem().
 */
export function slugFromName(name: string): string {
  let slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_MAX_LENGTH - 4)
    .replace(/-+$/g, "");
  if (slug.length < SLUG_MIN_LENGTH || RESERVED_SLUGS.has(slug)) slug = slug ? `${slug}-org` : "org";
  // "org" alone is 3 characters: long enough, and not reserved.
  return slug;
}
