/**
 * The passkey identity module (WebAuthn discoverable credentials, features/passkeys): an assertion
 * from the hosted sign-in page proves the user its credential belongs to. User verification is
 * required, so the sign-in also counts as MFA (`mfaVerified`): a passkey is phishing-resistant
 * possession plus the PIN or biometrics the authenticator checked. Failures are recorded as
 * `authentication.passkey_failed`; the step that consumes the challenge and moves the counter runs
 * inside the sign-in's transaction.
 */
import type { Queryable } from '../../../platform/db.ts';
import type { Deps } from '../../../platform/deps.ts';
import type { RequestMeta, UserIdentity } from '../../../platform/sign-in.ts';
import { appendEvent } from '../../events/outbox.ts';
import type { PasskeyService } from '../../passkeys/service.ts';

export class PasskeyIdentity {
  constructor(
    private deps: Deps,
    private passkeys: PasskeyService,
  ) {}

  /** A failed passkey sign-in or MFA step, as the event WorkOS emits. */
  failed(env: string, meta: RequestMeta) {
    return (err: { code: string; message: string }, userId: string | null) =>
      appendEvent(this.deps.db, this.deps, {
        environmentId: env,
        event: 'authentication.passkey_failed',
        data: {
          type: 'passkey',
          status: 'failed',
          user_id: userId,
          email: null,
          ip_address: meta.ip,
          user_agent: meta.userAgent,
          error: { code: err.code, message: err.message },
        },
      }).then(() => undefined);
  }

  async verify(
    env: string,
    flowId: string,
    response: unknown,
    meta: RequestMeta,
  ): Promise<{ identity: UserIdentity; consume: (tx: Queryable) => Promise<void> }> {
    const { credential, consume } = await this.passkeys.verifyAssertion(env, flowId, response, {
      onFailure: this.failed(env, meta),
    });
    return {
      identity: {
        kind: 'user',
        userId: credential.user_id,
        environmentId: env,
        method: 'Passkey',
        eventType: 'passkey',
        organizationId: null,
        meta,
        mfaVerified: true,
      },
      consume,
    };
  }
}
