import type { Metadata } from "next";
import { MessagePage } from "@/components/message-page";

export const metadata: Metadata = { title: "Page not found" };

/** The 404 page for unknown URLs and for every notFound() call without a closer not-found file. */
export default function NotFound() {
  return (
    <MessagePage title="Page not found">
      <p>There is nothing at this address. Check the link, or start again from the home page.</p>
    </MessagePage>
  );
}
