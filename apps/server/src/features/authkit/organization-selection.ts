/**
 * Organization selection: the step a sign-in takes when the user is an active member of several
 * organizations and named none. The choice must be one of the user's active memberships, and the
 * organization's policies hold at that moment: an organization whose SSO connection owns the
 * user's email domain accepts only an SSO sign-in (`sso_required`).
 */
import type { Deps } from '../../platform/deps.ts';
import { AppError, describeId } from '../../platform/errors.ts';
import type { UserIdentity } from '../../platform/sign-in.ts';
import type { MembershipService } from '../memberships/service.ts';
import type { ConnectionService } from '../sso/connections.ts';
import type { UserService } from '../users/service.ts';
import type { Pending } from './pending.ts';

export class OrganizationSelection {
  constructor(
    private deps: Deps,
    private users: UserService,
    private memberships: MembershipService,
    private connections: ConnectionService,
  ) {}

  /** The user's organizations to choose from. */
  choices(pending: Pending) {
    return this.memberships.activeOrganizations(
      this.deps.db,
      pending.row.environment_id,
      pending.row.user_id,
    );
  }

  /** The stored identity, now for `organizationId`, once the choice passes every check. */
  async choose(pending: Pending, organizationId: string): Promise<UserIdentity> {
    const env = pending.row.environment_id;
    const orgs = await this.choices(pending);
    if (!orgs.some((o) => o.id === organizationId)) {
      throw new AppError('organization_membership_not_found', {
        message: `The user is not an active member of organization ${describeId(organizationId, 'org')}. Choose one of: ${orgs.map((o) => o.id).join(', ')}.`,
      });
    }
    const user = await this.users.row(this.deps.db, env, pending.row.user_id);
    const domain = user.email.split('@')[1] ?? '';
    const conn = domain ? await this.connections.activeForDomain(env, domain) : undefined;
    if (conn && conn.organization_id === organizationId && pending.identity.method !== 'SSO') {
      throw new AppError('sso_required', {
        message: `Organization ${organizationId} signs in ${domain} accounts with single sign-on only. Send the user through its identity provider: getAuthorizationUrl({ organizationId: '${organizationId}' }).`,
        extra: { connection_ids: [conn.id], email: user.email },
      });
    }
    return { ...pending.identity, organizationId };
  }
}
