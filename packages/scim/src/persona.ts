/**
 * Which IdP is calling, from its User-Agent. The persona names the SCIM dialect in errors and
 * in the server's request log, and selects the few normalisations that would be wrong for a
 * client that does not have the quirk (see normaliseResource). Unknown clients are 'generic'
 * and get every unambiguous normalisation anyway.
 */
export type Persona = 'okta' | 'entra' | 'onelogin' | 'jumpcloud' | 'google' | 'generic';

const RULES: [RegExp, Persona][] = [
  [/okta/i, 'okta'],
  [/microsoft|azure|\baad\b|entra/i, 'entra'],
  [/onelogin/i, 'onelogin'],
  [/jumpcloud/i, 'jumpcloud'],
  [/google/i, 'google'],
];

/** e.g. 'Okta SCIM Client 1.0.0' → okta; 'Microsoft.Identity.Provisioning…', 'Azure AD SCIM …' → entra. */
export function detectPersona(userAgent: string | undefined): Persona {
  if (!userAgent) return 'generic';
  for (const [pattern, persona] of RULES) if (pattern.test(userAgent)) return persona;
  return 'generic';
}
