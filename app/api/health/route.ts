// Liveness: the process is up and serving. Deliberately touches no dependency, so a database
// outage does not make an orchestrator restart healthy app processes.
import { route } from "@/lib/http";
import packageJson from "@/package.json";

export const dynamic = "force-dynamic";

export const GET = route(
  { auth: "public", rateLimit: { exempt: "probed by orchestrators every few seconds" }, input: {} },
  () => ({ status: "ok", version: packageJson.version, commit: process.env.GIT_COMMIT_SHA ?? null }),
);
