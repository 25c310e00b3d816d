import "server-only";
import { serverEnv } from "@/lib/env";

declare const appLinkBrand: unique symbol;

/**
 * A URL into this app, built from APP_URL. Templates accept only this type, so a link can't be built
 * from a request's Host header by mistake: an attacker who controls Host would receive the token.
 */
export type AppLink = string & { readonly [appLinkBrand]: true };

/**
 * `appLink("/verify-email", { token })` → "https://app.example.com/verify-email?token=…".
 * `path` is a path on this app (one leading slash); query values are URL-encoded.
 */
export function appLink(path: string, query: Record<string, string> = {}): AppLink {
  if (!path.startsWith("/") || path.startsWith("//") || /[?#\\]/.test(path)) {
    throw new Error(
      `appLink: path must be an absolute path on this app such as "/verify-email", without "?" or "#" (pass query values in the second argument); got ${JSON.stringify(path)}`,
    );
  }
  const base = serverEnv().APP_URL.replace(/\/+$/, "");
  const url = new URL(base + path);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString() as AppLink;
}
