/**
 * The hosted pages' one form field (surfaces/field.tsx): label bound to the input, help and the
 * field's own error tied with aria-describedby (page-level ids first), aria-invalid only in error,
 * and every value escaped.
 */
import { describe, expect, it } from 'vitest';
import { Field, type FieldProps } from '../../src/surfaces/field.tsx';

const html = (props: FieldProps) => String(Field(props));

describe('Field', () => {
  it('binds the label, and ties help and its own error to the input', () => {
    const out = html({
      id: 'password',
      label: 'New password',
      type: 'password',
      required: true,
      minlength: 8,
      help: 'At least 8 characters.',
      describedBy: ['form-error'],
      error: { code: 'password_strength_error', message: 'Too <weak>' },
    });
    expect(out).toContain('<label for="password">New password</label>');
    expect(out).toMatch(/<input id="password" name="password" type="password"[^>]*minlength="8"/);
    expect(out).toContain('aria-invalid="true" aria-describedby="form-error password-help password-error"');
    expect(out).toContain('<small id="password-help">At least 8 characters.</small>');
    expect(out).toContain('<p class="error" id="password-error">Too &lt;weak&gt;</p>');
    expect(out).toContain('data-code="password_strength_error"');
  });

  it('has no aria-invalid or aria-describedby when there is nothing to describe', () => {
    const out = html({ id: 'first_name', label: 'First name', value: '"Ada"' });
    expect(out).toBe(
      '<label for="first_name">First name</label><input id="first_name" name="first_name" type="text" value="&quot;Ada&quot;"/>',
    );
  });

  it('marks a field invalid whose message is the page error', () => {
    const out = html({
      id: 'code',
      label: 'Code',
      invalid: true,
      describedBy: ['form-error'],
      help: 'Six digits.',
    });
    expect(out).toContain('aria-invalid="true" aria-describedby="form-error code-help"');
    expect(out).not.toContain('code-error');
  });
});
