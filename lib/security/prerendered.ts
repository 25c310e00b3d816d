// The Content-Security-Policy of pages prerendered at build time (decision 0037). Such a page is the
// same bytes for every visitor, so it can't carry a per-request nonce; its inline scripts (Next.js's
// bootstrap and the React Server Components payload, `self.__next_f.push(...)`) are fixed at build
// time, so the policy allows exactly those by their SHA-256 hashes, and nothing else inline.
// Node APIs: only proxy.ts (Node.js runtime) imports this file, not the edge-safe index.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

export type InlineHashes = { scriptHashes: string[]; styleHashes: string[] };

/**
 * The base64 SHA-256 of the text of each inline <script> and <style> element in `html`, as a browser
 * computes it for a 'sha256-…' source (the raw text between the tags; script and style are raw-text
 * elements, so nothing is decoded). Scripts with a src are files, allowed by 'self'.
 */
export function inlineHashes(html: string): InlineHashes {
  const scriptHashes = new Set<string>();
  const styleHashes = new Set<string>();
  for (const [, tag, attributes, text] of html.matchAll(/<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi)) {
    const isScript = tag?.toLowerCase() === "script";
    if (isScript && /\ssrc\s*=/i.test(` ${attributes}`)) continue;
    if (!text) continue;
    const digest = createHash("sha256").update(text, "utf8").digest("base64");
    (isScript ? scriptHashes : styleHashes).add(digest);
  }
  return { scriptHashes: [...scriptHashes], styleHashes: [...styleHashes] };
}

type PrerenderManifest = {
  routes: Record<string, { initialRevalidateSeconds: number | false; dataRoute: string | null }>;
};

/**
 * The pages `next build` prerendered in `distDir` (from Next.js's own prerender-manifest.json), each
 * with the hashes of its inline scripts and styles. Read once, on first use: a build's output doesn't
 * change under a running server. Pages revalidated in the background (ISR) are left out, since their
 * HTML, and so their hashes, would change; they get the nonce policy, which fails visibly (the e2e
 * specs assert no CSP violation on every page). Empty when there is no build (`next dev`).
 */
export function prerenderedPages(distDir: string): Map<string, InlineHashes> {
  const pages = new Map<string, InlineHashes>();
  let manifest: PrerenderManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(distDir, "prerender-manifest.json"), "utf8"));
  } catch {
    return pages;
  }
  for (const [route, entry] of Object.entries(manifest.routes)) {
    // Pages only (icons and other metadata files have no RSC data), and not Next.js's internal
    // /_not-found and /_global-error, which answer other URLs than their own.
    if (entry.dataRoute === null || entry.initialRevalidateSeconds !== false || route.startsWith("/_")) {
      continue;
    }
    const file = path.join(distDir, "server", "app", `${route === "/" ? "/index" : route}.html`);
    try {
      pages.set(route, inlineHashes(readFileSync(file, "utf8")));
    } catch {
      // Listed but not written as HTML (not a page): it keeps the nonce policy.
    }
  }
  return pages;
}

let cached: Map<string, InlineHashes> | undefined;

/** The hashes for `pathname` when the running build prerendered it; null when it renders per request. */
export function prerenderedPageHashes(pathname: string): InlineHashes | null {
  if (process.env.NODE_ENV !== "production") return null;
  cached ??= prerenderedPages(path.join(process.cwd(), ".next"));
  return cached.get(pathname) ?? null;
}
