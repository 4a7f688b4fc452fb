/**
 * What `portico start` prints once, on the console and never through the logger: the first
 * environment's credentials and the first dashboard admin's. Only the process that created them
 * prints them (the secrets are not stored in clear, so nobody can print them later).
 */

export function printWelcome(url: string, clientId: string, apiKey: string | undefined) {
  const u = new URL(url);
  const key = apiKey ?? '<the value of PORTICO_API_KEY>';
  const lines = [
    '',
    '  Portico is ready. Your first environment was created.',
    '  These credentials are shown only this once — store them now:',
    '',
    `    WORKOS_API_KEY=${key}`,
    `    WORKOS_CLIENT_ID=${clientId}`,
    '',
    '  Point the official SDK at Portico:',
    '',
    "    import { WorkOS } from '@workos-inc/node';",
    `    const workos = new WorkOS(process.env.WORKOS_API_KEY, {`,
    `      apiHostname: '${u.hostname}', port: ${u.port || (u.protocol === 'https:' ? 443 : 80)}, https: ${u.protocol === 'https:'},`,
    `      clientId: process.env.WORKOS_CLIENT_ID,`,
    '    });',
    '',
    `  API:        ${url}`,
    `  JWKS:       ${url}/sso/jwks/${clientId}`,
    `  OpenAPI:    ${url}/openapi.json`,
    `  Health:     ${url}/health`,
    '',
    '  Allow your app’s callback before signing in:',
    '    npm run portico -- redirect-uris add http://localhost:3000/callback',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The first dashboard admin. */
export function printAdmin(url: string, email: string, password: string | undefined) {
  const lines = [
    '',
    `  Dashboard:  ${url}/`,
    '  Sign in with the first admin account (shown only this once):',
    '',
    `    email:     ${email}`,
    `    password:  ${password ?? '<the value of PORTICO_ADMIN_PASSWORD>'}`,
    '',
    '  Lost it? npm run portico -- admin create --email <email> sets a new one.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
