/**
 * @portico/saml: Portico's pure SAML 2.0 protocol library (SP validation, metadata, AuthnRequest,
 * and an IdP-side response builder for the Test IdP). No HTTP, no database: time and keys are
 * arguments. Every failure is a SamlError with a stable code, a precise message and a fix.
 */
export { buildAuthnRequestUrl, buildAuthnRequestXml } from './authn-request.ts';
export { certificateFingerprint } from './certificates.ts';
export { SamlError, type SamlErrorCode } from './errors.ts';
export { buildSpMetadata, type IdpMetadata, parseIdpMetadata } from './metadata.ts';
export { type BuildSamlResponseOptions, buildSamlResponse, encryptAssertion } from './response-builder.ts';
export { type SignatureAlgorithm, signSamlXml } from './sign.ts';
export {
  type SamlAssertion,
  type TraceStep,
  type ValidateOptions,
  validateSamlResponse,
} from './validate.ts';
