import { reportError } from "../monitoring/server";

/** Reports a job's final failure, tagged with the job's name so alerts can group by job. */
export function reportJobError(job: string, context: { id: string; attempt: number }, error: unknown): void {
  reportError(error, { tags: { job }, contexts: { job: context } });
}
