/**
 * The name of the honeypot field public forms carry (components/honeypot-field.tsx draws it). The
 * server reads it by this name: lib/http's action() wrapper for server actions, lib/auth's
 * credentials provider for sign-in. People never see it; a form bot fills it in.
 */
export const HONEYPOT_FIELD = "website";
