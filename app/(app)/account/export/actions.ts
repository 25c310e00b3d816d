"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/http";
import { enqueueJob } from "@/lib/jobs";
import { failDataExport, requestDataExport } from "@/lib/privacy";

/** Starts a data export: a PENDING row now, the zip built by the `data-export-build` job. */
export const requestDataExportAction = action(
  { auth: "user", duringDeletionGrace: true, rateLimit: "data-export-user", input: z.object({}) },
  async (ctx) => {
    const { id } = await requestDataExport(ctx.user.id, ctx);
    try {
      await enqueueJob("data-export-build", { exportId: id });
    } catch (error) {
      // Never leave an export that no job will build: the page shows it failed, and another can start.
      await failDataExport(id, "The export could not be started. Request it again in a few minutes.");
      throw error;
    }
    revalidatePath("/account/export");
    return {
      message: "Your export is being prepared. We'll email you when it's ready, usually within a minute.",
    };
  },
);
