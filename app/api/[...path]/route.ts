// Unknown API paths answer JSON, like every other API error, instead of the HTML 404 page.
import { apiError, route } from "@/lib/http";

const notFound = route(
  {
    auth: "public",
    // proxy.ts counts pages only, so probing for endpoints is counted here, per IP like pages.
    rateLimit: "pages-ip",
    input: {},
  },
  () => apiError(404, "not_found", "No API route matches this path. Check the URL and the HTTP method."),
);

export { notFound as DELETE, notFound as GET, notFound as PATCH, notFound as POST, notFound as PUT };
