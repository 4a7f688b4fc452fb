/**
 * "Test this connection": a real SP-initiated sign-in at the connection's IdP whose result comes
 * back to Portico itself instead of to an app. The dashboard (and anything else on the API
 * surface) starts one and sends the browser to the returned URL; the IdP answers at the ACS (or
 * the OIDC callback) as usual, which records the SSO trace; the flow's code then arrives at
 * `/sso/test/callback`, which consumes it and sends the browser back to the same-origin page it
 * came from with `sso_test=succeeded|failed`. The page reads the verdict from the trace. The
 * return path travels sealed in the flow's state, so it cannot be pointed elsewhere.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { ConnectionTable } from '../../platform/schema.ts';
import { errorPage, pageErrors } from '../../surfaces/page-layout.tsx';
import type { SsoService } from './service.ts';

export const TEST_CALLBACK_PATH = '/sso/test/callback';

/** A same-origin path: starts with one `/`, no scheme, no backslash tricks. */
export const ReturnPath = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[^\s\\]*$/, 'Use a path on this server, such as /#/connections.');

interface TestState {
  env: string;
  connection: string;
  returnTo: string;
}

export async function startTestSignIn(deps: Deps, sso: SsoService, c: ConnectionTable, returnTo: string) {
  if (!ReturnPath.safeParse(returnTo).success) {
    throw new AppError('invalid_request_parameters', {
      message: 'return_to must be a path on this server, such as /#/connections.',
      errors: [{ field: 'return_to', code: 'invalid_return_path' }],
    });
  }
  const state: TestState = { env: c.environment_id, connection: c.id, returnTo };
  return sso.start(c, {
    kind: 'sso_api',
    redirectUri: `${deps.config.publicUrl}${TEST_CALLBACK_PATH}`,
    appState: deps.secrets.seal(JSON.stringify(state)),
    codeChallenge: null,
  });
}

export function withOutcome(returnTo: string, outcome: 'succeeded' | 'failed') {
  return `${returnTo}${returnTo.includes('?') ? '&' : '?'}sso_test=${outcome}`;
}

export function testSignInRoutes(app: Hono, deps: Deps, sso: SsoService) {
  app.get(TEST_CALLBACK_PATH, pageErrors, async (c) => {
    let state: TestState;
    try {
      state = JSON.parse(deps.secrets.open(c.req.query('state') ?? '')) as TestState;
    } catch {
      return errorPage(c, 400, {
        title: 'This test sign-in cannot be finished',
        code: 'test_sign_in_invalid',
        message: 'The link is incomplete or was changed.',
        hint: 'Start the test again from the dashboard or the Admin Portal.',
      });
    }
    const code = c.req.query('code');
    let outcome: 'succeeded' | 'failed' = 'failed';
    if (code) {
      try {
        await sso.exchange(state.env, code, undefined, true);
        outcome = 'succeeded';
      } catch (err) {
        deps.log.warn(
          { connection: state.connection, err: (err as Error).message },
          'test sign-in exchange failed',
        );
      }
    }
    return c.redirect(withOutcome(state.returnTo, outcome), 302);
  });
}
