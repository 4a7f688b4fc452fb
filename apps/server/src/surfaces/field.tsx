/** @jsxImportSource hono/jsx */
/**
 * One labelled form field for every hosted page: the `<label for>`, the `<input>`, an optional help
 * text (`<id>-help`) and an optional error of its own (`<id>-error`, with its stable code), all
 * tied to the input with aria-describedby; aria-invalid marks a field in error (WAI-ARIA 1.2
 * §aria-invalid, WCAG 2.1 SC 3.3.1). The page's own error box (`form-error`) is tied to a field by
 * naming it in `describedBy` and setting `invalid`.
 */
import type { FC } from 'hono/jsx';
import { ErrorCodeLine, type PageError } from './page-layout.tsx';

export interface FieldProps {
  id: string;
  label: string;
  /** Defaults to the id. */
  name?: string;
  type?: 'text' | 'email' | 'password';
  autocomplete?: string;
  required?: boolean;
  value?: string;
  readonly?: boolean;
  minlength?: number;
  maxlength?: number;
  pattern?: string;
  inputmode?: 'numeric' | 'text' | 'email';
  class?: string;
  autofocus?: boolean;
  /** Shown under the input as `<small id="<id>-help">`. */
  help?: unknown;
  /** Other elements that describe the input (a page-level hint, the form error), before the help. */
  describedBy?: string[];
  /** The field's own error: shown under it and tied to it. */
  error?: PageError;
  /** The input is in error although the message is elsewhere (the page's `form-error`). */
  invalid?: boolean;
}

export const FieldError: FC<{ id: string; error?: PageError }> = ({ id, error }) =>
  error ? (
    <>
      <p class="error" id={id}>
        {error.message}
      </p>
      <ErrorCodeLine code={error.code} />
    </>
  ) : null;

export const Field: FC<FieldProps> = (p) => {
  const helpId = p.help ? `${p.id}-help` : null;
  const errorId = p.error ? `${p.id}-error` : null;
  const described = [...(p.describedBy ?? []), helpId, errorId].filter(Boolean).join(' ');
  return (
    <>
      <label for={p.id}>{p.label}</label>
      <input
        id={p.id}
        name={p.name ?? p.id}
        class={p.class}
        type={p.type ?? 'text'}
        inputmode={p.inputmode}
        pattern={p.pattern}
        maxlength={p.maxlength}
        autocomplete={p.autocomplete}
        required={p.required}
        minlength={p.minlength}
        value={p.value}
        readonly={p.readonly}
        autofocus={p.autofocus}
        aria-invalid={p.error || p.invalid ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
      {helpId ? <small id={helpId}>{p.help}</small> : null}
      {errorId ? <FieldError id={errorId} error={p.error} /> : null}
    </>
  );
};
