// Unknown API paths answer JSON, like every other API error, instead of the HTML 404 page.
import { apiError, route } from "@/lib/http";

const notFound = route(
  {
    auth: "public",
    rateLimit: { exempt: "answers 404 and touches nothing; proxy.ts limits per IP" },
    input: {},
  },
  () => apiError(404, "not_found", "No API route matches this path. Check the URL and the HTTP method."),
);

export { notFound as DELETE, notFound as GET, notFound as PATCH, notFound as POST, notFound as PUT };
