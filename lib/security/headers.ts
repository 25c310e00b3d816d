/**
 * Security headers. Static ones (the same for every response, including static files) are set in
 * next.config.ts; the Content-Security-Policy depends on the page, so proxy.ts sets it.
 */

/**
 * How the policy allows the page's own scripts:
 * - a page rendered per request: a fresh `nonce`, which Next.js copies onto its scripts;
 * - a page prerendered at build time (the same bytes for everyone, so no nonce): the SHA-256 hashes
 *   of its inline scripts and styles, and 'self' for its script files (lib/security/prerendered.ts).
 * Either way an injected inline script or event handler has neither, and is blocked.
 */
export type CspScriptTrust =
  | { nonce: string }
  | { scriptHashes: readonly string[]; styleHashes: readonly string[] };

export type CspOptions = CspScriptTrust & {
  /** Development needs 'unsafe-eval' (React's dev tooling) and inline styles (hot reload). */
  isDevelopment: boolean;
  /** Add upgrade-insecure-requests only when served over HTTPS, so plain-HTTP local runs keep working. */
  isHttps: boolean;
  /** Origin that browser errors are sent to (the Sentry DSN's), when client reporting is on. */
  errorReportingOrigin?: string;
};

export function buildContentSecurityPolicy(options: CspOptions): string {
  const { isDevelopment } = options;
  const development = isDevelopment ? ["'unsafe-eval'"] : [];
  const hash = (value: string) => `'sha256-${value}'`;
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // With a nonce, 'strict-dynamic' lets the nonce-bearing Next.js scripts load their chunks (host
    // lists, 'self' included, are then ignored). With hashes, 'strict-dynamic' would refuse the page's
    // <script src> tags, which carry no nonce: 'self' allows them and the chunks they load.
    "script-src":
      "nonce" in options
        ? ["'self'", `'nonce-${options.nonce}'`, "'strict-dynamic'", ...development]
        : ["'self'", ...options.scriptHashes.map(hash), ...development],
    // In development the dev server injects style tags without a nonce; a nonce would disable 'unsafe-inline'.
    "style-src": isDevelopment
      ? ["'self'", "'unsafe-inline'"]
      : "nonce" in options
        ? ["'self'", `'nonce-${options.nonce}'`]
        : ["'self'", ...options.styleHashes.map(hash)],
    "img-src": ["'self'", "blob:", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", ...(options.errorReportingOrigin ? [options.errorReportingOrigin] : [])],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
  const policy = Object.entries(directives).map(([name, values]) => `${name} ${values.join(" ")}`);
  if (options.isHttps) policy.push("upgrade-insecure-requests");
  return policy.join("; ");
}

/** Headers that are the same on every response. */
export function staticSecurityHeaders(isProduction: boolean): { key: string; value: string }[] {
  return [
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    // Legacy twin of frame-ancestors 'none', for browsers without CSP level 2.
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
    {
      key: "Permissions-Policy",
      value:
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), interest-cohort=()",
    },
    // Browsers ignore HSTS over plain HTTP; sent in production only so local HTTPS experiments don't stick.
    ...(isProduction
      ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }]
      : []),
  ];
}

/** A fresh CSP nonce: 128 random bits, base64. */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
