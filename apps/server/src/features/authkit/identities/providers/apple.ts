/**
 * Sign in with Apple: OpenID Connect at https://appleid.apple.com with two quirks.
 * - `response_mode=form_post`: Apple POSTs the code (and, on the first sign-in only, a `user`
 *   JSON field with the name) to the callback; Portico's callback accepts that POST.
 * - The client secret is a short-lived ES256 JWT signed with the developer's .p8 key:
 *   iss = team id, sub = client (Services) id, aud = the issuer, header kid = key id.
 */
import { importPKCS8, SignJWT } from 'jose';
import { oidcProvider } from './oidc-base.ts';
import { ProviderError } from './types.ts';

export const apple = oidcProvider({
  name: 'AppleOAuth',
  defaultScopes: ['openid', 'email', 'name'],
  responseMode: 'form_post',
  requiredOptions: ['team_id', 'key_id'],
  authMethod: 'client_secret_post',
  issuer: () => 'https://appleid.apple.com',
  async clientSecret(cred, rt, issuer) {
    let key: CryptoKey;
    try {
      key = await importPKCS8(cred.clientSecret, 'ES256');
    } catch {
      throw new ProviderError(
        'oauth_provider_error',
        'AppleOAuth: the stored private key is not an ES256 PKCS#8 key. Paste the whole .p8 file Apple gave you as the client secret.',
      );
    }
    const iat = Math.floor(rt.now.getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: cred.options.key_id })
      .setIssuer(cred.options.team_id ?? '')
      .setSubject(cred.clientId)
      .setAudience(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .sign(key);
  },
  names(params) {
    try {
      const user = JSON.parse(params.get('user') ?? 'null') as {
        name?: { firstName?: unknown; lastName?: unknown };
      } | null;
      const s = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
      return { firstName: s(user?.name?.firstName), lastName: s(user?.name?.lastName) };
    } catch {
      return { firstName: null, lastName: null };
    }
  },
});
