import { z } from "zod";
import { parseEnv } from "../env/validate";

// The environment keys the auth module reads. lib/env composes `authEnvSchema.shape` into the server
// schema and runs `checkAuthEnv` in its superRefine (zod drops refinements when shapes are merged).

/** One AES-256 key of AUTH_ENCRYPTION_KEYS. */
export type EncryptionKey = { readonly id: string; readonly key: Buffer };

/** Key ids appear inside every ciphertext ("v1.<keyId>.…"), so they may not contain dots or colons. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Used when AUTH_ENCRYPTION_KEYS is unset outside production, so `npm run dev` and the tests work
 * with no setup. It is public (its bytes spell "shipshape-dev-key-NOT-A-SECRET!!"), so anything
 * encrypted with it is readable by anyone: production refuses it.
 */
export const DEVELOPMENT_KEY_ID = "development";
const DEVELOPMENT_ENCRYPTION_KEYS = `${DEVELOPMENT_KEY_ID}:c2hpcHNoYXBlLWRldi1rZXktTk9ULUEtU0VDUkVUISE=`;

/** next-auth's secret outside production when AUTH_SECRET is unset. Public, so production refuses it. */
const DEVELOPMENT_AUTH_SECRET = "development-only-auth-secret-NOT-A-SECRET";

const KEY_HELP = "Generate a key with `openssl rand -base64 32`.";

/**
 * Parses AUTH_ENCRYPTION_KEYS: a comma-separated list of `keyId:base64key`, each key exactly 32 bytes.
 * The first key encrypts; every key decrypts. Errors name the entry by position and id, never the key.
 */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const entries = value.split(",").map((entry) => entry.trim());
  const keys: EncryptionKey[] = [];
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(":");
    if (colon === -1) {
      throw new Error(`${where} is not in the form keyId:base64key (for example k2025:…). ${KEY_HELP}`);
    }
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) {
      throw new Error(
        `${where} has the key id "${id.slice(0, 40)}": use 1 to 32 letters, digits, "-" or "_" (no dots or colons).`,
      );
    }
    const key = BASE64.test(encoded) ? Buffer.from(encoded, "base64") : undefined;
    if (key?.length !== 32) {
      throw new Error(`${where} (key id "${id}") is not 32 bytes of base64. ${KEY_HELP}`);
    }
    if (keys.some((existing) => existing.id === id)) {
      throw new Error(`${where} repeats the key id "${id}": every key needs its own id.`);
    }
    keys.push({ id, key });
  });
  return keys;
}

export const authEnvSchema = z.object({
  AUTH_SECRET: z
    .string()
    .min(32, { error: "must be at least 32 characters. Generate one with `openssl rand -base64 32`." })
    .optional()
    .describe("next-auth's secret for signing sessions. Required in production."),
  AUTH_ENCRYPTION_KEYS: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseEncryptionKeys(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional()
    .describe("keyId:base64key,… (32-byte AES keys) for MFA secrets at rest; the first encrypts."),
  AUTH_SESSION_IDLE_DAYS: z.coerce
    .number()
    .positive()
    .max(90)
    .default(7)
    .describe("A session unused this long ends (rolling: each use renews it)."),
  AUTH_SESSION_MAX_DAYS: z.coerce
    .number()
    .positive()
    .max(365)
    .default(30)
    .describe("A session ends this long after sign-in, however active."),
  PASSWORD_MIN_LENGTH: z.coerce
    .number()
    .int()
    .min(8, { error: "must be at least 8 (NIST's floor; use 8 only when every account must use MFA)" })
    .max(64, { error: "must be at most 64" })
    .default(15)
    .describe("Shortest password accepted. NIST SP 800-63B rev. 4: 15, or 8 when MFA is mandatory."),
  PWNED_PASSWORDS_CHECK: z
    .stringbool()
    .default(false)
    .describe("Also ask the Have I Been Pwned range API about new passwords (fails open)."),
  PWNED_PASSWORDS_API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://api.pwnedpasswords.com" })
    .default("https://api.pwnedpasswords.com")
    .describe("Base URL of the Pwned Passwords API (its /range/<prefix> endpoint is called)."),
  GITHUB_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe("GitHub OAuth app's client id; with the secret, enables GitHub sign-in."),
  GITHUB_CLIENT_SECRET: z.string().min(1).optional().describe("GitHub OAuth app's client secret."),
  GOOGLE_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe("Google OAuth client id; with the secret, enables Google sign-in."),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional().describe("Google OAuth client secret."),
});

/** The OAuth providers Shipshape supports, and the pair of env keys that enables each one. */
export const OAUTH_PROVIDER_KEYS = {
  github: { id: "GITHUB_CLIENT_ID", secret: "GITHUB_CLIENT_SECRET" },
  google: { id: "GOOGLE_CLIENT_ID", secret: "GOOGLE_CLIENT_SECRET" },
} as const;

export type OAuthProviderId = keyof typeof OAUTH_PROVIDER_KEYS;
type OAuthEnvKey = (typeof OAUTH_PROVIDER_KEYS)[OAuthProviderId]["id" | "secret"];

/**
 * An OAuth provider needs both its client id and its secret: one without the other is a typo or a
 * half-finished setup, refused rather than silently leaving the provider off. Production must bring
 * its own secrets and never run on the public development ones.
 */
export function checkAuthEnv(
  env: Pick<
    z.infer<typeof authEnvSchema>,
    "AUTH_SECRET" | "AUTH_ENCRYPTION_KEYS" | "AUTH_SESSION_IDLE_DAYS" | "AUTH_SESSION_MAX_DAYS" | OAuthEnvKey
  > & {
    NODE_ENV: string;
  },
  ctx: z.RefinementCtx,
): void {
  // Every use renews the idle lifetime, but never past the absolute one: an idle lifetime longer
  // than the absolute one would promise "stay signed in for N days" and end the session sooner.
  if (env.AUTH_SESSION_IDLE_DAYS > env.AUTH_SESSION_MAX_DAYS) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_SESSION_IDLE_DAYS"],
      message: `must be at most AUTH_SESSION_MAX_DAYS (${env.AUTH_SESSION_MAX_DAYS}), got ${env.AUTH_SESSION_IDLE_DAYS}: a session ends AUTH_SESSION_MAX_DAYS after sign-in however active it is. Lower AUTH_SESSION_IDLE_DAYS or raise AUTH_SESSION_MAX_DAYS.`,
    });
  }
  for (const keys of Object.values(OAUTH_PROVIDER_KEYS)) {
    const [set, unset] = env[keys.id] ? [keys.id, keys.secret] : [keys.secret, keys.id];
    if (env[set] && !env[unset]) {
      ctx.addIssue({
        code: "custom",
        path: [unset],
        message: `is required when ${set} is set (set both to enable this sign-in provider, or neither).`,
      });
    }
  }
  if (env.NODE_ENV !== "production") return;
  if (!env.AUTH_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_SECRET"],
      message: "is required in production. Generate one with `openssl rand -base64 32`.",
    });
  } else if (env.AUTH_SECRET === DEVELOPMENT_AUTH_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_SECRET"],
      message: "is the public development secret. Generate one with `openssl rand -base64 32`.",
    });
  }
  if (!env.AUTH_ENCRYPTION_KEYS) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_ENCRYPTION_KEYS"],
      message: `is required in production: a comma-separated list of keyId:base64key, the first one encrypts. ${KEY_HELP}`,
    });
    return;
  }
  const developmentKey = parseEncryptionKeys(DEVELOPMENT_ENCRYPTION_KEYS)[0]?.key;
  if (env.AUTH_ENCRYPTION_KEYS.some((k) => k.id === DEVELOPMENT_KEY_ID || developmentKey?.equals(k.key))) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_ENCRYPTION_KEYS"],
      message: `contains the public development key. ${KEY_HELP}`,
    });
  }
}

/** What lib/auth reads on its own: its keys, NODE_ENV, and the production rule. */
const authConfigSchema = authEnvSchema
  .extend({ NODE_ENV: z.enum(["development", "test", "production"]).default("development") })
  .superRefine(checkAuthEnv);

/** The auth settings with the development defaults filled in. */
export type AuthConfig = {
  /** next-auth's secret. */
  authSecret: string;
  /** AES-256-GCM keys for secrets at rest; the first encrypts. */
  encryptionKeys: readonly EncryptionKey[];
  /** Seconds of inactivity that end a session. */
  sessionIdleSeconds: number;
  /** Seconds after sign-in that end a session, however active. */
  sessionMaxSeconds: number;
  passwordMinLength: number;
  pwnedPasswordsCheck: boolean;
  pwnedPasswordsApiUrl: string;
  /** The OAuth providers whose client id and secret are both set; the others are off. */
  oauth: Partial<Record<OAuthProviderId, { clientId: string; clientSecret: string }>>;
};

/**
 * Reads and validates the auth settings. Outside production an unset AUTH_SECRET or
 * AUTH_ENCRYPTION_KEYS falls back to a public development value (lib/auth/encryption.ts logs a
 * warning when it encrypts with the development key); in production both are required.
 * Throws InvalidEnvironmentError listing every problem.
 */
export function readAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  const parsed = parseEnv(authConfigSchema, env);
  return {
    authSecret: parsed.AUTH_SECRET ?? DEVELOPMENT_AUTH_SECRET,
    encryptionKeys: parsed.AUTH_ENCRYPTION_KEYS ?? parseEncryptionKeys(DEVELOPMENT_ENCRYPTION_KEYS),
    sessionIdleSeconds: Math.round(parsed.AUTH_SESSION_IDLE_DAYS * 86_400),
    sessionMaxSeconds: Math.round(parsed.AUTH_SESSION_MAX_DAYS * 86_400),
    passwordMinLength: parsed.PASSWORD_MIN_LENGTH,
    pwnedPasswordsCheck: parsed.PWNED_PASSWORDS_CHECK,
    pwnedPasswordsApiUrl: parsed.PWNED_PASSWORDS_API_URL,
    oauth: Object.fromEntries(
      Object.entries(OAUTH_PROVIDER_KEYS).flatMap(([provider, keys]) => {
        const clientId = parsed[keys.id];
        const clientSecret = parsed[keys.secret];
        return clientId && clientSecret ? [[provider, { clientId, clientSecret }]] : [];
      }),
    ),
  };
}

let cached: AuthConfig | undefined;

/** readAuthConfig() of process.env, read once per process. */
export function authConfig(): AuthConfig {
  cached ??= readAuthConfig();
  return cached;
}

/** The env module lib/env composes (lib/env/modules.ts): its keys and the rules across them. */
export const envModule = { schema: authEnvSchema, check: checkAuthEnv };
