import { SamlError, type SamlErrorCode } from '../../src/index.ts';

/** Runs fn, which must throw a SamlError; returns it. */
export function samlError(fn: () => unknown): SamlError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SamlError) return err;
    throw err;
  }
  throw new Error('expected a SamlError, but the call succeeded');
}

/** A readable assertion target: "code: message". */
export function codeOf(fn: () => unknown): SamlErrorCode {
  return samlError(fn).code;
}
