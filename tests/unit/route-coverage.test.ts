// Every endpoint is wrapped and declares its auth level, its permission (member endpoints), its
// rate-limit policy (or an exemption with a reason) and its input schema. A new route.ts export or
// server action that skips the wrapper fails here, whoever wrote it.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scanEndpoints } from "@/tools/route-coverage";

const problemsOf = async (root?: string) =>
  (await scanEndpoints(root))
    .filter((endpoint) => endpoint.problem !== null)
    .map((endpoint) => `${endpoint.file} ${endpoint.exportName}: ${endpoint.problem}`);

// Importing every endpoint module (lib/auth, Prisma, pg-boss…) takes seconds on a busy machine.
describe("endpoint coverage", { timeout: 60_000 }, () => {
  it("finds the app's endpoints with their declarations", async () => {
    const endpoints = await scanEndpoints();
    const health = endpoints.find((endpoint) => endpoint.file === "app/api/health/route.ts");
    expect(health?.declaration).toMatchObject({
      auth: "public",
      rateLimit: expect.stringMatching(/^exempt: /),
    });
    expect(endpoints.map((endpoint) => `${endpoint.file} ${endpoint.exportName}`)).toContain(
      "app/(auth)/unlock/actions.ts unlockAccountAction",
    );
  });

  it("has no endpoint that is unwrapped or leaves a declaration out", async () => {
    expect(await problemsOf()).toEqual([]);
  });

  it("catches each kind of mistake", async () => {
    const problems = await problemsOf(path.resolve("tests/fixtures/route-coverage"));
    expect(problems).toEqual([
      expect.stringMatching(/^app\/api\/no-input\/route\.ts POST: declares no input schema/),
      expect.stringMatching(/^app\/api\/no-permission\/route\.ts GET: member endpoint without a permission/),
      expect.stringMatching(/^app\/api\/unwrapped\/route\.ts GET: not wrapped/),
      expect.stringMatching(/^app\/forms\/actions\.ts saveSomething: not wrapped/),
      expect.stringMatching(/^app\/forms\/page\.tsx \(inline\): inline "use server"/),
    ]);
  });
});
