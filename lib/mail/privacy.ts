// Logs and error messages name a recipient by domain only: a full address is personal data, and log
// lines travel to places (log storage, error reporting) that personal data should not.

const ADDRESS_IN_TEXT = /[^\s@<>"',;:()[\]]+@([A-Za-z0-9.-]+)/g;

/** "bob@example.com" → "example.com". */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

/** Replaces the local part of every address in `text`: "550 <bob@example.com> unknown" → "550 <…@example.com> unknown". */
export function maskAddresses(text: string): string {
  return text.replace(ADDRESS_IN_TEXT, "…@$1");
}
