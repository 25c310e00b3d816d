// Liveness: the process is up and serving. Deliberately touches no dependency, so a database
// outage does not make an orchestrator restart healthy app processes.
import packageJson from "@/package.json";

export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json(
    { status: "ok", version: packageJson.version, commit: process.env.GIT_COMMIT_SHA ?? null },
    { headers: { "cache-control": "no-store" } },
  );
}
