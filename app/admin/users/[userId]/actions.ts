"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { disableUser, enableUser, forceSignOut } from "@/lib/admin";
import { action } from "@/lib/http";

// Platform admin actions on one account (lib/admin): each is audited with the admin as actor.

const target = z.object({ userId: z.string().max(64) });

export const disableUserAction = action(
  { auth: "platformAdmin", rateLimit: "api-user", input: target },
  async (ctx) => {
    const { changed } = await disableUser(
      { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
      ctx.input.userId,
    );
    revalidatePath(`/admin/users/${ctx.input.userId}`);
    return {
      message: changed
        ? "Account disabled. Every session it had has ended."
        : "The account was already disabled.",
    };
  },
);

export const enableUserAction = action(
  { auth: "platformAdmin", rateLimit: "api-user", input: target },
  async (ctx) => {
    const { changed } = await enableUser(
      { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
      ctx.input.userId,
    );
    revalidatePath(`/admin/users/${ctx.input.userId}`);
    return {
      message: changed ? "Account enabled. The user can sign in again." : "The account was already enabled.",
    };
  },
);

export const forceSignOutAction = action(
  { auth: "platformAdmin", rateLimit: "api-user", input: target },
  async (ctx) => {
    await forceSignOut({ userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent }, ctx.input.userId);
    revalidatePath(`/admin/users/${ctx.input.userId}`);
    return { message: "Signed out everywhere. The user must sign in again." };
  },
);
