/** @jsxImportSource hono/jsx */
/**
 * The hosted pages of a sign-in's pending step (`/authkit/continue/:id`): the email-verification
 * code, MFA set-up and challenge (mfa-pages.tsx), and the organization picker. The id is the pending authentication's unguessable id; the
 * step finishes through the same pipeline the API's grants use, and the browser goes on to the
 * application with its code (or to the next step).
 */
import type { Context, Hono } from 'hono';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { readForm } from '../../platform/http.ts';
import { loadPageBrand } from '../../surfaces/brand.ts';
import { checkCsrf, issueCsrf, pageHeaders, setPageBrand } from '../../surfaces/hosted.ts';
import { clientIp } from '../../surfaces/json-surface.ts';
import { errorPage, type PageError, pageErrors, renderPage } from '../../surfaces/page-layout.tsx';
import type { MfaService } from '../mfa/service.ts';
import { AddPasskeyPage } from '../passkeys/pages.tsx';
import type { PasskeyService } from '../passkeys/service.ts';
import type { UserService } from '../users/service.ts';
import { OrganizationPickerPage, VerifyEmailPage } from './code-pages.tsx';
import type { EmailVerificationService } from './email-verification.ts';
import type { PasskeyIdentity } from './identities/passkey.ts';
import { MfaChallengePage, MfaEnrollPage, RecoveryCodesPage } from './mfa-pages.tsx';
import type { OrganizationSelection } from './organization-selection.ts';
import type { Pending, PendingAuthentications } from './pending.ts';
import type { SignInPipeline } from './sign-in.ts';

export function continueRoutes(
  app: Hono,
  deps: Deps,
  s: {
    pendings: PendingAuthentications;
    pipeline: SignInPipeline;
    verifications: EmailVerificationService;
    organizations: OrganizationSelection;
    users: UserService;
    mfa: MfaService;
    passkeys?: { service: PasskeyService; identity: PasskeyIdentity };
  },
) {
  const passkeysOn = async (env: string) => !!s.passkeys && (await s.passkeys.service.enabled(env));
  const meta = (c: Context) => ({ ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null });
  const origins = (p: Pending) => {
    if (p.target.kind !== 'code') return [];
    try {
      return [new URL(p.target.redirectUri).origin];
    } catch {
      return [];
    }
  };
  const load = async (c: Context) => {
    const pending = await s.pendings.byId(c.req.param('id') ?? '');
    if (pending) setPageBrand(c, await loadPageBrand(deps.db, pending.row.environment_id));
    // A pending step started through the API (a session target) is finished through its grant.
    if (pending?.target.kind !== 'code') {
      return {
        error: errorPage(c, 400, {
          title: 'Sign-in link expired',
          code: 'sign_in_link_expired',
          message: 'This step of the sign-in has expired (it lasts 10 minutes) or was already completed.',
          hint: 'Go back to the application and start signing in again.',
        }),
      };
    }
    return { pending: pending as Pending };
  };
  const render = async (
    c: Context,
    p: Pending,
    status: number,
    error?: PageError,
    resent?: boolean,
    recovery?: boolean,
    o: { passkey?: boolean } = {},
  ) => {
    const csrf = issueCsrf(c, deps, p.row.id);
    const env = p.row.environment_id;
    const withPasskeys = await passkeysOn(env);
    pageHeaders(c, origins(p), { script: withPasskeys });
    // "Add a passkey": after a sign-in, or at MFA enrollment instead of the authenticator app.
    if (
      s.passkeys &&
      withPasskeys &&
      (p.row.kind === 'passkey_enrollment' || (p.row.kind === 'mfa_enrollment' && o.passkey))
    ) {
      const user = await s.users.row(deps.db, env, p.row.user_id);
      const brand = await loadPageBrand(deps.db, env);
      const options = await s.passkeys.service.registrationOptions(
        env,
        p.row.id,
        user,
        brand?.name ?? 'Portico',
      );
      return c.html(
        renderPage(
          c,
          <AddPasskeyPage
            pendingId={p.row.id}
            csrf={csrf}
            options={options}
            mfa={p.row.kind === 'mfa_enrollment'}
            error={error}
          />,
        ),
        status as 200,
      );
    }
    if (p.row.kind === 'mfa_enrollment') {
      const user = await s.users.row(deps.db, p.row.environment_id, p.row.user_id);
      const secret = await s.pendings.totpSecret(p, () => s.mfa.newSecret());
      const shown = await s.mfa.present(p.row.environment_id, user.email, secret);
      return c.html(
        String(
          <MfaEnrollPage
            pendingId={p.row.id}
            csrf={csrf}
            email={user.email}
            secret={secret}
            qrCode={shown.qrCode}
            error={error}
            passkey={withPasskeys}
          />,
        ),
        status as 200,
      );
    }
    if (p.row.kind === 'mfa_challenge') {
      const passkeyOptions =
        s.passkeys && withPasskeys && (await s.passkeys.service.hasPasskeys(deps.db, env, p.row.user_id))
          ? await s.passkeys.service.authenticationOptions(env, p.row.id, { id: p.row.user_id })
          : undefined;
      const totp = await s.mfa.totpFactors(deps.db, env, p.row.user_id);
      return c.html(
        String(
          <MfaChallengePage
            pendingId={p.row.id}
            csrf={csrf}
            error={recovery ? undefined : error}
            recoveryError={recovery ? error : undefined}
            passkeyOptions={passkeyOptions}
            passkeyOnly={!!passkeyOptions && totp.length === 0}
          />,
        ),
        status as 200,
      );
    }
    if (p.row.kind === 'email_verification') {
      const user = await s.users.row(deps.db, p.row.environment_id, p.row.user_id);
      return c.html(
        renderPage(
          c,
          <VerifyEmailPage
            pendingId={p.row.id}
            csrf={csrf}
            email={user.email}
            error={error}
            resent={resent}
          />,
        ),
        status as 200,
      );
    }
    return c.html(
      renderPage(
        c,
        <OrganizationPickerPage
          pendingId={p.row.id}
          csrf={csrf}
          organizations={await s.organizations.choices(p)}
          error={error}
        />,
      ),
      status as 200,
    );
  };

  app.get('/authkit/continue/:id', pageErrors, async (c) => {
    const { pending, error } = await load(c);
    if (error) return error;
    return render(c, pending, 200, undefined, false, false, { passkey: c.req.query('method') === 'passkey' });
  });

  // A passkey for the pending step: registered (passkey_enrollment, mfa_enrollment) or used as
  // the second factor (mfa_challenge). The sign-in then goes on like the step's other forms.
  app.post('/authkit/continue/:id/passkey', pageErrors, async (c) => {
    const { pending, error } = await load(c);
    if (error) return error;
    const form = await readForm(c);
    const kind = pending.row.kind;
    const view = { passkey: kind !== 'mfa_challenge' };
    if (!checkCsrf(c, deps, pending.row.id, form.csrf))
      return render(
        c,
        pending,
        403,
        { code: 'form_expired', message: 'Your session on this page expired. Please submit the form again.' },
        false,
        false,
        view,
      );
    const env = pending.row.environment_id;
    const credential = typeof form.credential === 'string' && form.credential ? form.credential : null;
    try {
      if (!s.passkeys || !['passkey_enrollment', 'mfa_enrollment', 'mfa_challenge'].includes(kind))
        throw new AppError('passkey_challenge_invalid', {
          message: 'This step of the sign-in takes no passkey. Reload the page.',
        });
      let next: { redirectUrl?: string };
      if (kind === 'mfa_challenge') {
        const { consume } = await s.passkeys.service.verifyAssertion(env, pending.row.id, credential, {
          user: pending.row.user_id,
          onFailure: s.passkeys.identity.failed(env, meta(c)),
        });
        next = await s.pipeline.resume(
          pending,
          { ...pending.identity, mfaVerified: true },
          { alongside: consume },
        );
      } else {
        const store = await s.passkeys.service.verifyRegistration(
          env,
          pending.row.id,
          pending.row.user_id,
          credential,
        );
        next = await s.pipeline.resume(
          pending,
          {
            ...pending.identity,
            // A passkey with user verification is a phishing-resistant second factor.
            mfaVerified: kind === 'mfa_enrollment' ? true : pending.identity.mfaVerified,
            passkeyOffered: true,
          },
          { alongside: store },
        );
      }
      return c.redirect(next.redirectUrl!, 302);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return render(c, pending, err.status, { code: err.code, message: err.message }, false, false, view);
    }
  });

  // "Not now" on the Add a passkey offer: the sign-in goes on without one.
  app.post('/authkit/continue/:id/skip', pageErrors, async (c) => {
    const { pending, error } = await load(c);
    if (error) return error;
    const form = await readForm(c);
    if (pending.row.kind !== 'passkey_enrollment' || !checkCsrf(c, deps, pending.row.id, form.csrf))
      return render(c, pending, 403, {
        code: 'form_expired',
        message: 'Your session on this page expired. Please submit the form again.',
      });
    const next = await s.pipeline.resume(pending, { ...pending.identity, passkeyOffered: true }, {});
    return c.redirect(next.redirectUrl!, 302);
  });

  app.post('/authkit/continue/:id', pageErrors, async (c) => {
    const { pending, error } = await load(c);
    if (error) return error;
    const form = await readForm(c);
    if (!checkCsrf(c, deps, pending.row.id, form.csrf))
      return render(c, pending, 403, {
        code: 'form_expired',
        message: 'Your session on this page expired. Please submit the form again.',
      });
    if (pending.row.kind === 'passkey_enrollment')
      return render(c, pending, 400, {
        code: 'passkey_response_invalid',
        message: 'Add the passkey with the button (it needs JavaScript), or choose Not now.',
      });
    const recovery = pending.row.kind === 'mfa_challenge' && typeof form.recovery_code === 'string';
    try {
      let next: { redirectUrl?: string };
      const env = pending.row.environment_id;
      if (pending.row.kind === 'mfa_enrollment' || pending.row.kind === 'mfa_challenge') {
        const passed = { ...pending.identity, mfaVerified: true };
        if (recovery) {
          const consume = await s.mfa.checkRecoveryCode(
            env,
            pending.row.user_id,
            String(form.recovery_code),
            meta(c),
          );
          next = await s.pipeline.resume(pending, passed, { alongside: consume });
          return c.redirect(next.redirectUrl!, 302);
        }
        const code = typeof form.code === 'string' ? form.code.trim() : '';
        if (!/^\d{6}$/.test(code))
          return render(c, pending, 400, {
            code: 'invalid_one_time_code',
            message: 'Enter the six digits your authenticator app shows.',
          });
        if (pending.row.kind === 'mfa_challenge') {
          const consume = await s.mfa.checkUserCode(env, pending.row.user_id, code, meta(c));
          next = await s.pipeline.resume(pending, passed, { alongside: consume });
          return c.redirect(next.redirectUrl!, 302);
        }
        const secret = await s.pendings.totpSecret(pending, () => s.mfa.newSecret());
        const counter = await s.mfa.checkNewSecret(env, pending.row.id, secret, code);
        const user = await s.users.row(deps.db, env, pending.row.user_id);
        let codes: string[] = [];
        next = await s.pipeline.resume(pending, passed, {
          alongside: async (tx) => {
            codes = await s.mfa.enrollConfirmed(tx, env, user, secret, counter, meta(c));
          },
        });
        pageHeaders(c, origins(pending));
        return c.html(String(<RecoveryCodesPage codes={codes} href={next.redirectUrl!} />), 200);
      }
      if (pending.row.kind === 'email_verification') {
        const code = typeof form.code === 'string' ? form.code.trim() : '';
        if (!/^\d{6}$/.test(code))
          return render(c, pending, 400, {
            code: 'invalid_one_time_code',
            message: 'Enter the six digits from the email.',
          });
        const verify = await s.verifications.check(pending.row.environment_id, pending.row.user_id, code);
        next = await s.pipeline.resume(pending, pending.identity, { alongside: verify });
      } else {
        const chosen = typeof form.organization_id === 'string' ? form.organization_id : '';
        if (!chosen)
          return render(c, pending, 400, {
            code: 'invalid_request',
            message: 'Choose an organization to continue.',
          });
        next = await s.pipeline.resume(pending, await s.organizations.choose(pending, chosen), {});
      }
      return c.redirect(next.redirectUrl!, 302);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'rate_limit_exceeded') c.header('Retry-After', String(err.extra?.retry_after ?? 60));
      return render(c, pending, err.status, { code: err.code, message: err.message }, false, recovery);
    }
  });

  app.post('/authkit/continue/:id/resend', pageErrors, async (c) => {
    const { pending, error } = await load(c);
    if (error) return error;
    const form = await readForm(c);
    if (pending.row.kind !== 'email_verification' || !checkCsrf(c, deps, pending.row.id, form.csrf))
      return render(c, pending, 403, {
        code: 'form_expired',
        message: 'Your session on this page expired. Please submit the form again.',
      });
    try {
      await s.verifications.resend(pending.row.environment_id, pending.row.user_id, meta(c));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'rate_limit_exceeded') c.header('Retry-After', String(err.extra?.retry_after ?? 60));
      return render(c, pending, err.status, { code: err.code, message: err.message });
    }
    return render(c, pending, 200, undefined, true);
  });
}
