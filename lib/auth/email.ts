/** Emails are compared and stored trimmed and lowercased, so "Ann@Example.com " is ann@example.com. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
