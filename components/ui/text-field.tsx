import type { ComponentProps } from "react";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-slate-900 shadow-sm focus-visible:border-indigo-600 aria-invalid:border-red-600";

type TextFieldProps = Omit<ComponentProps<"input">, "id" | "name"> & {
  name: string;
  label: string;
  /** Shown under the label, before the input: what a good value looks like. */
  hint?: string;
  /** The server's messages for this field; they mark the input invalid and are read with it. */
  errors?: string[] | undefined;
};

/**
 * A labelled input with an optional hint and the server's messages for it. Plain markup, no hooks:
 * usable from server components and from the small client forms alike.
 */
export function TextField({ name, label, hint, errors, className, ...input }: TextFieldProps) {
  const id = `field-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-errors` : undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {hint ? (
        <p id={hintId} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        name={name}
        aria-invalid={errorId ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined}
        className={inputClass}
        {...input}
      />
      {errorId ? (
        <ul id={errorId} className="mt-2 space-y-1 text-sm text-red-800">
          {errors?.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
