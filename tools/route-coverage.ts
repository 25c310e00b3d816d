// Finds every endpoint of the app (each export of app/**/route.ts, each export of a "use server"
// file) and the declaration the lib/http wrapper attached to it, and every page (app/**/page.tsx)
// with the gate it calls. The coverage test fails on any problem; `npm run doctor` reports the same
// list. An endpoint nobody wrapped can't hide: it shows up here as "not wrapped"; nor can a page
// that forgot its gate: every page calls one unless its area or the page itself is listed public.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PERMISSIONS } from "../lib/authz/policy";
import { RATE_LIMIT_POLICY_NAMES } from "../lib/ratelimit/policies";

export type EndpointReport = {
  /** Path relative to the repository root. */
  file: string;
  exportName: string;
  kind: "route" | "action";
  /** What is wrong, or null when the endpoint is wrapped and declares everything. */
  problem: string | null;
  /**
   * `stepUp`: "always" (`stepUp: true`), "when: <text>" (the lib function asks for some changes),
   * or "never".
   */
  declaration?: { auth: string; permission?: string; rateLimit: string; stepUp: string };
};

const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Route segment config exports Next.js reads; they are settings, not endpoints. */
const ROUTE_SEGMENT_CONFIG = new Set([
  "dynamic",
  "dynamicParams",
  "revalidate",
  "fetchCache",
  "runtime",
  "preferredRegion",
  "maxDuration",
]);
const DECLARATION = Symbol.for("shipshape.endpoint-declaration");

type Marked = {
  kind: "route" | "action";
  auth?: string;
  permission?: string;
  rateLimit?: string | { exempt?: string };
  stepUp?: true | { when?: string };
  inputDeclared?: boolean;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** A file whose first statement is the "use server" directive: every export is a server action. */
function isServerActionFile(source: string): boolean {
  const withoutComments = source.replace(/^(\s*(\/\/[^\n]*|\/\*[\s\S]*?\*\/))*\s*/, "");
  return /^["']use server["']/.test(withoutComments);
}

/** "use server" inside a function body (an inline action) can't be wrapped: refuse it outright. */
function hasInlineServerAction(source: string): boolean {
  return /^\s+["']use server["'];?\s*$/m.test(source);
}

function check(kind: "route" | "action", exportName: string, value: unknown): Omit<EndpointReport, "file"> {
  const marked =
    typeof value === "function"
      ? ((value as unknown as Record<symbol, Marked | undefined>)[DECLARATION] ?? null)
      : null;
  const report = (problem: string | null): Omit<EndpointReport, "file"> => ({
    exportName,
    kind,
    problem,
    declaration: marked
      ? {
          auth: String(marked.auth),
          permission: marked.permission,
          rateLimit:
            typeof marked.rateLimit === "string"
              ? marked.rateLimit
              : `exempt: ${marked.rateLimit?.exempt ?? ""}`,
          stepUp: stepUpOf(marked),
        }
      : undefined,
  });
  if (kind === "route" && !HTTP_METHODS.has(exportName)) {
    return report(`exports "${exportName}", which is neither an HTTP method nor route segment config`);
  }
  if (!marked)
    return report(`not wrapped: build it with ${kind === "route" ? "route()" : "action()"} from lib/http`);
  if (marked.kind !== kind) return report(`wrapped with ${marked.kind}() but used as a ${kind}`);
  if (!["public", "session", "user", "member", "platformAdmin"].includes(String(marked.auth))) {
    return report(`declares no valid auth level (got ${String(marked.auth)})`);
  }
  if (marked.auth === "member" && !PERMISSIONS.includes(marked.permission as never)) {
    return report(
      `member endpoint without a permission from the policy table (got ${String(marked.permission)})`,
    );
  }
  const rateLimit = marked.rateLimit;
  const rateLimitOk =
    (typeof rateLimit === "string" && RATE_LIMIT_POLICY_NAMES.includes(rateLimit as never)) ||
    (typeof rateLimit === "object" &&
      typeof rateLimit.exempt === "string" &&
      rateLimit.exempt.trim().length > 0);
  if (!rateLimitOk) return report("declares no rate-limit policy (or an exemption with its reason)");
  if (!marked.inputDeclared) return report("declares no input schema (declare {} or z.object({}) for none)");
  if (stepUpOf(marked) === "when: ") {
    return report("declares a conditional step-up without saying when it applies");
  }
  return report(null);
}

function stepUpOf(marked: Marked): string {
  if (marked.stepUp === undefined) return "never";
  if (marked.stepUp === true) return "always";
  return `when: ${typeof marked.stepUp === "object" ? (marked.stepUp.when ?? "").trim() : ""}`;
}

/**
 * Every endpoint under `appDir`, with its declaration or its problem. Imports each module, so run it
 * where `server-only` resolves (Vitest's alias, or tsx --conditions=react-server).
 */
export async function scanEndpoints(root: string = process.cwd()): Promise<EndpointReport[]> {
  const reports: EndpointReport[] = [];
  // Server actions belong next to the pages that use them, so a reader finds them under app/.
  for (const dir of ["components", "lib"]) {
    if (!existsSync(path.join(root, dir))) continue;
    for (const file of sourceFiles(path.join(root, dir))) {
      const source = readFileSync(file, "utf8");
      if (isServerActionFile(source) || hasInlineServerAction(source)) {
        reports.push({
          file: path.relative(root, file),
          exportName: "(file)",
          kind: "action",
          problem: "server action outside app/: move it under app/ and wrap it with action()",
        });
      }
    }
  }
  for (const file of sourceFiles(path.join(root, "app"))) {
    const relative = path.relative(root, file);
    const source = readFileSync(file, "utf8");
    const isRoute = path.basename(file) === "route.ts";
    const isActions = isServerActionFile(source);
    if (!isActions && hasInlineServerAction(source)) {
      reports.push({
        file: relative,
        exportName: "(inline)",
        kind: "action",
        problem: 'inline "use server" function: move it to a "use server" file and wrap it with action()',
      });
    }
    if (!isRoute && !isActions) continue;
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(module)) {
      if (isRoute && ROUTE_SEGMENT_CONFIG.has(exportName)) continue;
      reports.push({ file: relative, ...check(isRoute ? "route" : "action", exportName, value) });
    }
  }
  return reports.sort((a, b) => a.file.localeCompare(b.file) || a.exportName.localeCompare(b.exportName));
}

/** The page gates of lib/http (`@/lib/http`): a page that calls one of them checks who is signed in. */
export const PAGE_GATES = ["requirePageUser", "requirePageMember", "requirePagePlatformAdmin"] as const;

/**
 * Areas whose pages are for people who are not signed in, and why. Everywhere else a page must call
 * a gate: a new area is signed in until it is listed here (fail closed).
 */
export const PUBLIC_PAGE_AREAS: Record<string, string> = {
  "app/(auth)/":
    "signing in and up, and the emailed links: for people not signed in (reauth and the MFA challenge call the gate themselves)",
  "app/(marketing)/": "the public site",
  "app/dev/": "the development mailbox: 404 when NODE_ENV is production",
  "app/test-support/": "pages for the e2e tests: 404 unless ENABLE_TEST_ROUTES=true",
};

/** Single pages in a signed-in area that are public on purpose, and why. */
export const PUBLIC_PAGES: Record<string, string> = {
  "app/(app)/account/deletion/scheduled/page.tsx":
    "shown after a deletion request signed the person out; it only echoes the date in its URL",
  "app/(app)/invitations/[token]/page.tsx":
    "opened from the invitation email, signed in or not; joining is acceptInvitationAction, a wrapped action that checks the user",
  "app/(unmatched)/[org]/[...rest]/page.tsx":
    "the not-found page for a URL no route matches, rendered per request so its 404 carries the CSP nonce (decision 0037); it shows nothing of any organization",
};

export type PageReport = {
  /** Path relative to the repository root. */
  file: string;
  /** The gate the page calls, "public: <why>" for a listed public page, or null. */
  gate: string | null;
  problem: string | null;
};

/** The source without its comments, so a commented-out gate doesn't count. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/[^\n]*/g, "$1");
}

/**
 * Every page under `root`/app and the gate it calls. Reads the source (no import): a page calls a
 * gate when its code (comments aside) has `requirePageUser(`, `requirePageMember(` or
 * `requirePagePlatformAdmin(`. A layout's gate doesn't count: layouts don't re-run on every
 * navigation, so each page gates itself (AGENTS.md rule 3).
 */
export function scanPages(root: string = process.cwd()): PageReport[] {
  const reports: PageReport[] = [];
  const appDir = path.join(root, "app");
  if (!existsSync(appDir)) return reports;
  for (const file of sourceFiles(appDir)) {
    if (path.basename(file) !== "page.tsx") continue;
    const relative = path.relative(root, file).split(path.sep).join("/");
    const code = withoutComments(readFileSync(file, "utf8"));
    const gate = PAGE_GATES.find((name) => new RegExp(`\\b${name}\\s*\\(`).test(code));
    const publicArea = Object.entries(PUBLIC_PAGE_AREAS).find(([area]) => relative.startsWith(area));
    const publicWhy = PUBLIC_PAGES[relative] ?? publicArea?.[1];
    if (gate) reports.push({ file: relative, gate, problem: null });
    else if (publicWhy) reports.push({ file: relative, gate: `public: ${publicWhy}`, problem: null });
    else {
      reports.push({
        file: relative,
        gate: null,
        problem: `calls no page gate: call ${PAGE_GATES.join(", ")} from @/lib/http (or list it public in tools/route-coverage.ts, with the reason)`,
      });
    }
  }
  return reports.sort((a, b) => a.file.localeCompare(b.file));
}

/** Endpoints and pages in one list, as the doctor reports them (a page's exportName is "(page)"). */
export async function scanEndpointsAndPages(
  root: string = process.cwd(),
): Promise<{ file: string; exportName: string; problem: string | null }[]> {
  const pages = scanPages(root).map((page) => ({
    file: page.file,
    exportName: "(page)",
    problem: page.problem,
  }));
  return [...(await scanEndpoints(root)), ...pages];
}
