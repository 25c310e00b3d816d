import { HONEYPOT_FIELD } from "@/lib/security";

/**
 * The honeypot of public forms: a "website" input that people never see or reach (moved off-screen,
 * hidden from assistive technology, out of the tab order, no autofill) and form bots fill in. The
 * server action (lib/http's `honeypot` option) answers a filled one like a success and does nothing;
 * sign-in answers it like a wrong password. Off-screen rather than display:none, because some bots
 * skip fields that are not displayed. Put it in a `relative` form.
 */
export function HoneypotField() {
  return (
    <div aria-hidden="true" className="absolute -left-[10000px] h-px w-px overflow-hidden">
      <label htmlFor="field-website">Website (leave this empty)</label>
      <input
        id="field-website"
        name={HONEYPOT_FIELD}
        type="text"
        tabIndex={-1}
        autoComplete="off"
        defaultValue=""
      />
    </div>
  );
}
