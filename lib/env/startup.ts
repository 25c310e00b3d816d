import "server-only";
import { serverEnv } from "./index";
import { InvalidEnvironmentError } from "./validate";

// Imported once by instrumentation.ts when the server starts: a bad environment stops the process
// with one readable message instead of failing later, request by request.
try {
  serverEnv();
} catch (error) {
  if (!(error instanceof InvalidEnvironmentError)) throw error;
  console.error(`\n${error.message}\n`);
  process.exit(1);
}
