"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { signOutDevices } from "@/lib/auth";
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
