import type { Metadata } from "next";
import { MessagePage } from "@/components/message-page";

export const metadata: Metadata = { title: "Page not found" };

/** The 404 page for unknown URLs and for every notFound() call without a closer not-found file. */
export default function NotFound() {
  // Next.js renders this component into every page's tree (as the 404 boundary), so it must not read
  // the request: its header doesn't ask who is visiting, or no page could be prerendered (decision 0037).
  return (
    <MessagePage title="Page not found" prerendered>
      <p>There is nothing at this address. Check the link, or start again from the home page.</p>
    </MessagePage>
  );
}
