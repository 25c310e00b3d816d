import { redirect } from "next/navigation";
import { requirePagePlatformAdmin } from "@/lib/http";

/** The admin area opens on its user list. */
export default async function AdminHome() {
  await requirePagePlatformAdmin();
  redirect("/admin/users");
}
