"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { endOtherSession, signOutDevices } from "@/lib/auth";
import { action } from "@/lib/http";
import { UNKNOWN_CLIENT_IP } from "@/lib/ratelimit";

/** Every other session ends; this device stays signed in (its cookie moves to the new sessionVersion). */
export const signOutOtherDevicesAction = action(
  { auth: "user", rateLimit: "api-user", input: z.object({}) },
  async ({ user, ip, userAgent }) => {
    await signOutDevices(user.id, { keepCurrent: true }, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    return { message: "Your other devices are signed out. This one stays signed in." };
  },
);

/** Every session ends, this one included. */
export const signOutAllDevicesAction = action(
  { auth: "user", rateLimit: "api-user", input: z.object({}) },
  async ({ user, ip, userAgent }) => {
    await signOutDevices(user.id, { keepCurrent: false }, { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent });
    redirect("/sign-in");
  },
);

/** One other session ends (a device listed on the page); this one and the rest stay signed in. */
export const endSessionAction = action(
  {
    auth: "user",
    rateLimit: "api-user",
    input: z.object({ sessionId: z.uuid({ error: "That session doesn't exist. Reload the page." }) }),
  },
  async ({ user, input, ip, userAgent }) => {
    await endOtherSession(
      { userId: user.id, currentSessionId: user.sessionId, sessionId: input.sessionId },
      { ip: ip ?? UNKNOWN_CLIENT_IP, userAgent },
    );
    revalidatePath("/account/sessions");
    return { message: "That session is signed out." };
  },
);
