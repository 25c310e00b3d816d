import { describe, expect, it } from "vitest";
import {
  enabledOAuthProviders,
  githubIdentity,
  googleIdentity,
  oauthIdentity,
  readAuthConfig,
} from "@/lib/auth";
import { oauthProviders } from "@/lib/auth/oauth";
import { parseEnv, serverEnvSchema } from "@/lib/env";
import { envProblems } from "../support/env";

const github = { GITHUB_CLIENT_ID: "Iv1.0123456789abcdef", GITHUB_CLIENT_SECRET: "github-secret-value" };
const google = {
  GOOGLE_CLIENT_ID: "123-abc.apps.googleusercontent.com",
  GOOGLE_CLIENT_SECRET: "GOCSPX-secret",
};

describe("OAuth providers follow the environment", () => {
  it("are all off with nothing set, and an empty value counts as unset", () => {
    for (const env of [{}, { GITHUB_CLIENT_ID: "", GITHUB_CLIENT_SECRET: "" }]) {
      const config = readAuthConfig(env);
      expect(enabledOAuthProviders(config)).toEqual([]);
      expect(oauthProviders(config)).toEqual([]);
    }
  });

  it("turn on one by one when both keys of a provider are set", () => {
    const onlyGoogle = readAuthConfig(google);
    expect(enabledOAuthProviders(onlyGoogle)).toEqual([{ id: "google", name: "Google" }]);
    expect(oauthProviders(onlyGoogle).map((p) => p.id)).toEqual(["google"]);

    const both = readAuthConfig({ ...google, ...github });
    expect(enabledOAuthProviders(both).map((p) => p.id)).toEqual(["github", "google"]);
    const providers = oauthProviders(both);
    expect(providers.map((p) => p.id)).toEqual(["github", "google"]);
    expect(providers[0]).toMatchObject({ options: { clientId: github.GITHUB_CLIENT_ID } });
  });

  it("refuse a client id without its secret (and the reverse), naming the missing variable", () => {
    expect(envProblems(() => readAuthConfig({ GITHUB_CLIENT_ID: "Iv1.x" }))).toEqual([
      "GITHUB_CLIENT_SECRET: is required when GITHUB_CLIENT_ID is set (set both to enable this sign-in provider, or neither).",
    ]);
    expect(envProblems(() => readAuthConfig({ GOOGLE_CLIENT_SECRET: "s" }))).toEqual([
      "GOOGLE_CLIENT_ID: is required when GOOGLE_CLIENT_SECRET is set (set both to enable this sign-in provider, or neither).",
    ]);
    // The same check runs in the app's startup validation.
    const problems = envProblems(() =>
      parseEnv(serverEnvSchema, { DATABASE_URL: "postgresql://a@b/c", GOOGLE_CLIENT_ID: "x" }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^GOOGLE_CLIENT_SECRET: is required when GOOGLE_CLIENT_ID/),
    ]);
  });
});

describe("what a provider's profile vouches for", () => {
  it("Google: the address only with email_verified", () => {
    expect(googleIdentity({ sub: "1", email: "a@example.com", email_verified: true })).toEqual({
      provider: "google",
      providerAccountId: "1",
      verifiedEmail: "a@example.com",
      name: null,
    });
    expect(
      googleIdentity({ sub: "1", email: "a@example.com", email_verified: false }).verifiedEmail,
    ).toBeNull();
    expect(googleIdentity({ sub: "1", email: "a@example.com" }).verifiedEmail).toBeNull();
  });

  it("GitHub: only the primary address, and only when verified", () => {
    const identity = (emails: { email: string; primary: boolean; verified: boolean }[]) =>
      githubIdentity({ id: 7, login: "octocat", emails }).verifiedEmail;
    expect(identity([{ email: "p@example.com", primary: true, verified: true }])).toBe("p@example.com");
    expect(
      identity([
        { email: "p@example.com", primary: true, verified: false },
        { email: "other@example.com", primary: false, verified: true },
      ]),
    ).toBeNull();
    expect(identity([])).toBeNull();
    expect(githubIdentity({ id: 7, login: "octocat" })).toMatchObject({
      providerAccountId: "7",
      name: "octocat",
    });
  });

  it("an unknown provider or a malformed profile gives no identity", () => {
    expect(oauthIdentity("gitlab", { id: 1 })).toBeNull();
    expect(oauthIdentity("google", null)).toBeNull();
    expect(oauthIdentity("github", { login: "no id" })).toBeNull();
  });
});
