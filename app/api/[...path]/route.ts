// Unknown API paths answer JSON, like every other API error, instead of the HTML 404 page.
import { apiError } from "@/lib/http";

function notFound(): Response {
  return apiError(404, "not_found", "No API route matches this path. Check the URL and the HTTP method.");
}

export { notFound as DELETE, notFound as GET, notFound as PATCH, notFound as POST, notFound as PUT };
