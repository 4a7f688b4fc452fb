/**
 * SamlError: the one failure type of @portico/saml. Every failure carries a stable `code` (the SSO
 * tracer and the server's error catalog key on it; never rename or reuse one), a `message` that
 * says exactly what is wrong with the actual and expected values, a `fix` in plain words for the
 * customer's IT admin or the developer, and `details` with the raw values (and, from
 * validateSamlResponse, the trace `steps` reached before the failure).
 */

export type SamlErrorCode =
  | 'saml_malformed'
  | 'saml_doctype_forbidden'
  | 'saml_status_not_success'
  | 'saml_signature_missing'
  | 'saml_signature_invalid'
  | 'saml_certificate_untrusted'
  | 'saml_signature_wrapping'
  | 'saml_multiple_assertions'
  | 'saml_issuer_mismatch'
  | 'saml_audience_mismatch'
  | 'saml_destination_mismatch'
  | 'saml_recipient_mismatch'
  | 'saml_in_response_to_mismatch'
  | 'saml_unsolicited_response'
  | 'saml_assertion_expired'
  | 'saml_assertion_not_yet_valid'
  | 'saml_subject_confirmation_invalid'
  | 'saml_nameid_missing'
  | 'saml_nameid_comment'
  | 'saml_encrypted_assertion_no_key'
  | 'saml_decryption_failed'
  | 'saml_metadata_invalid';

export class SamlError extends Error {
  override readonly name = 'SamlError';
  readonly code: SamlErrorCode;
  readonly fix: string;
  readonly details: Record<string, unknown>;

  constructor(code: SamlErrorCode, message: string, fix: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.fix = fix;
    this.details = details;
  }
}

/** Throws a SamlError; typed `never` so callers narrow after it. */
export function fail(
  code: SamlErrorCode,
  message: string,
  fix: string,
  details: Record<string, unknown> = {},
): never {
  throw new SamlError(code, message, fix, details);
}
