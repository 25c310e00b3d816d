import { z } from "zod";
import { route } from "@/lib/http";
import { readDataExportArchive } from "@/lib/privacy";

/**
 * Downloads one of the signed-in user's data exports (a zip). Someone else's export id answers the
 * same 404 as an id that doesn't exist; a pending export 409, an expired one 410.
 */
export const GET = route(
  {
    auth: "user",
    // A person whose deletion is pending still has the right of access (decision 0040).
    duringDeletionGrace: true,
    rateLimit: "api-user",
    input: { params: z.object({ exportId: z.uuid({ error: "must be an export id" }) }) },
  },
  async (ctx) => {
    const { fileName, archive } = await readDataExportArchive(ctx.user.id, ctx.input.params.exportId, ctx);
    return new Response(Buffer.from(archive), {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${fileName}"`,
        "content-length": String(archive.byteLength),
        // Personal data: never kept by a browser or proxy cache.
        "cache-control": "no-store",
      },
    });
  },
);
