// Labelled form controls for server-rendered forms: each has a visible label tied to its control,
// and an optional hint the control points at (aria-describedby).

const controlClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus-visible:border-indigo-600";

type Common = { label: string; name: string; hint?: string; id?: string; srOnlyLabel?: boolean };

function Label({ id, label, srOnly }: { id: string; label: string; srOnly?: boolean }) {
  return (
    <label htmlFor={id} className={srOnly ? "sr-only" : "block text-sm font-medium text-slate-800"}>
      {label}
    </label>
  );
}

function Hint({ id, hint }: { id: string; hint?: string }) {
  return hint ? (
    <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
      {hint}
    </p>
  ) : null;
}

export function Field({
  label,
  name,
  hint,
  id = `field-${name}`,
  srOnlyLabel,
  type = "text",
  defaultValue,
  required = false,
  autoComplete = "off",
  placeholder,
}: Common & {
  type?: "text" | "email";
  defaultValue?: string;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
}) {
  return (
    <div>
      <Label id={id} label={label} srOnly={srOnlyLabel} />
      <input
        id={id}
        name={name}
        type={type}
        defaultValue={defaultValue}
        required={required}
        autoComplete={autoComplete}
        placeholder={placeholder}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className={controlClass}
      />
      <Hint id={id} hint={hint} />
    </div>
  );
}

export function TextArea({
  label,
  name,
  hint,
  id = `field-${name}`,
  defaultValue,
}: Common & { defaultValue?: string }) {
  return (
    <div>
      <Label id={id} label={label} />
      <textarea
        id={id}
        name={name}
        rows={3}
        defaultValue={defaultValue}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className={controlClass}
      />
      <Hint id={id} hint={hint} />
    </div>
  );
}

export function Select({
  label,
  name,
  hint,
  id = `field-${name}`,
  srOnlyLabel,
  options,
  defaultValue,
}: Common & { options: { value: string; label: string }[]; defaultValue?: string }) {
  return (
    <div>
      <Label id={id} label={label} srOnly={srOnlyLabel} />
      <select
        id={id}
        name={name}
        defaultValue={defaultValue}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className={controlClass}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Hint id={id} hint={hint} />
    </div>
  );
}
