/** An instant as "2026-05-01 10:22:33 UTC" with a machine-readable dateTime: the same on every server. */
export function UtcTime({ iso, fallback = "never" }: { iso: string | null; fallback?: string }) {
  if (!iso) return <span className="text-slate-500">{fallback}</span>;
  return <time dateTime={iso}>{`${iso.replace("T", " ").replace(/(\.\d{3})?Z$/, "")} UTC`}</time>;
}
