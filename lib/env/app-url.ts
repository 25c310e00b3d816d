import { z } from "zod";

/**
 * APP_URL's declaration, shared by lib/env's app keys and the modules that derive something from it
 * (lib/ratelimit's key prefix): merged schemas keep the last declaration of a key, so every module
 * that reads APP_URL must declare it the same way.
 */
export const appUrlSchema = z
  .url({ protocol: /^https?$/, error: "must be the app's public URL, such as https://app.example.com" })
  .optional()
  .describe(
    "Public base URL: links in emails, OAuth callbacks, the same-origin check, whether the session " +
      "cookie is Secure (https), and the rate-limit key prefix. Never derived from the Host header. " +
      "Required in production.",
  );
