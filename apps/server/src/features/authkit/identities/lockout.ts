/**
 * The event a credential throttle records when it locks: one `authentication.<type>_failed` with
 * `rate_limit_exceeded`, written once per locked window, so a security team sees a brute-force run
 * as one line and not as thousands.
 */
import type { Deps } from '../../../platform/deps.ts';
import type { RequestMeta } from '../../../platform/sign-in.ts';
import { appendEvent } from '../../events/outbox.ts';

export function lockoutEvent(
  deps: Deps,
  environmentId: string,
  type: 'password' | 'magic_auth',
  email: string,
  meta: RequestMeta,
  userId: string | null = null,
) {
  return async (retryAfterSeconds: number) => {
    await appendEvent(deps.db, deps, {
      environmentId,
      event: `authentication.${type}_failed`,
      data: {
        type,
        status: 'failed',
        user_id: userId,
        email,
        ip_address: meta.ip,
        user_agent: meta.userAgent,
        error: {
          code: 'rate_limit_exceeded',
          message: `Too many attempts for this email; further attempts are refused for ${retryAfterSeconds} s.`,
        },
      },
    });
  };
}
