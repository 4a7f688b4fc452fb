/**
 * A SCIM 2.0 client simulator: replays the provisioning sequences Okta, Entra ID and OneLogin send,
 * quirks included, against any SCIM base URL with a bearer token (`portico scim-sim`). Tests pass
 * an in-process `fetch`; users point it at their own endpoints.
 *
 * - Okta: looks a user up by `userName eq` before POST, PUTs whole users on profile changes,
 *   creates groups empty and sets membership by PUT of the whole group then PATCH `replace` on
 *   `members`; deactivates with PATCH `replace` `{ active: false }` or (every other user) a PUT of
 *   the user with `active: false`, and never DELETEs.
 * - Entra: looks up by `userName eq`, sends `"True"`/`"False"` strings, capitalised ops, URN paths
 *   into the enterprise extension, path-less `Replace` with attribute-path keys, adds members by
 *   PATCH and removes them the old way (`Remove` on `members` with a value array); deprovisions
 *   with `Replace active "False"` then DELETE.
 * - OneLogin: adds members one PATCH at a time with a single object (not an array) as the value;
 *   deprovisions with PATCH `replace active false` then DELETE.
 * - JumpCloud: `active: "true"` as a string, `userName` is the email and no `emails`, lower-case
 *   ops; deactivates with `replace active "false"`, then DELETE.
 * - Google: no `displayName`/`name.formatted`, path-less `replace` with whole `name` and `emails`
 *   objects; deactivates with a path-less `replace` `{ active: false }`, then DELETE.
 *
 * Deterministic: user i is always first.last@domain from fixed name lists; group k is always the
 * same department.
 */

export type SimPersona = 'okta' | 'entra' | 'onelogin' | 'jumpcloud' | 'google';
export const SIM_PERSONAS: SimPersona[] = ['okta', 'entra', 'onelogin', 'jumpcloud', 'google'];

export interface SimOptions {
  /** The SCIM base URL, e.g. https://auth.example.com/scim/v2/directory_… (no trailing /Users). */
  baseUrl: string;
  token: string;
  persona: SimPersona;
  users: number;
  groups: number;
  /** Email domain of the generated users (default example.com). */
  domain?: string;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface SimFailure {
  method: string;
  path: string;
  status: number;
  detail: string;
}

export interface SimReport {
  persona: SimPersona;
  requests: number;
  failures: SimFailure[];
  createdUserIds: string[];
  createdGroupIds: string[];
  /** userName → SCIM id of every user the simulator provisioned (or found already there). */
  users: Record<string, string>;
  /** Group SCIM id → its displayName and the member ids the simulator expects it to hold. */
  groups: Record<string, { displayName: string; members: string[] }>;
}

export const USER_AGENTS: Record<SimPersona, string> = {
  okta: 'Okta SCIM Client 1.0.0',
  entra: 'Microsoft.Identity.Provisioning.Services/1.0 (portico scim-sim)',
  onelogin: 'OneLogin SCIM (portico scim-sim)',
  jumpcloud: 'JumpCloud SCIM (portico scim-sim)',
  google: 'Google-Auto-Provisioning (portico scim-sim)',
};

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Barbara',
  'Edsger',
  'Katherine',
  'Donald',
  'Frances',
  'John',
  'Radia',
  'Ken',
  'Margaret',
  'Dennis',
  'Hedy',
  'Tim',
  'Shafi',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Liskov',
  'Dijkstra',
  'Johnson',
  'Knuth',
  'Allen',
  'Backus',
  'Perlman',
  'Thompson',
  'Hamilton',
  'Ritchie',
  'Lamarr',
  'Berners-Lee',
  'Goldwasser',
  'Wirth',
];
const DEPARTMENTS = [
  'Engineering',
  'Sales',
  'Finance',
  'Marketing',
  'Support',
  'Legal',
  'People',
  'Research',
  'Design',
  'Operations',
];

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface SimUser {
  index: number;
  userName: string;
  givenName: string;
  familyName: string;
  externalId: string;
  department: string;
}

/** The i-th generated user: deterministic for a domain (first.last@domain, a number when names repeat). */
export function simUser(i: number, domain = 'example.com', groups = 1): SimUser {
  const givenName = FIRST[i % FIRST.length]!;
  const familyName = LAST[i % LAST.length]!;
  const round = Math.floor(i / (FIRST.length * LAST.length));
  const local = `${givenName}.${familyName}`.toLowerCase().replace(/[^a-z.]/g, '');
  return {
    index: i,
    userName: `${local}${round ? round + 1 : ''}@${domain}`,
    givenName,
    familyName,
    externalId: `sim-${String(i).padStart(5, '0')}`,
    department: groupName(i % Math.max(1, groups)),
  };
}

export function groupName(k: number): string {
  const base = DEPARTMENTS[k % DEPARTMENTS.length]!;
  const round = Math.floor(k / DEPARTMENTS.length);
  return round ? `${base} ${round + 1}` : base;
}

class Client {
  requests = 0;
  failures: SimFailure[] = [];
  private readonly base: string;
  private readonly doFetch: (url: string, init: RequestInit) => Promise<Response>;

  constructor(private readonly o: SimOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.doFetch = o.fetch ?? ((url, init) => fetch(url, init));
  }

  /** One SCIM call; a non-2xx answer (other than the expected ones) is recorded as a failure. */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    expect: number[] = [],
  ): Promise<{ status: number; body: T | null }> {
    this.requests++;
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.o.token}`,
          accept: 'application/scim+json',
          'user-agent': USER_AGENTS[this.o.persona],
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const cause = e.cause ? ` (${e.cause.code ?? e.cause.message})` : '';
      this.failures.push({ method, path, status: 0, detail: `${e.message ?? String(err)}${cause}` });
      return { status: 0, body: null };
    }
    const text = await res.text();
    let parsed: T | null = null;
    try {
      parsed = text ? (JSON.parse(text) as T) : null;
    } catch {
      parsed = null;
    }
    if ((res.status < 200 || res.status > 299) && !expect.includes(res.status)) {
      const detail =
        parsed && typeof parsed === 'object' && 'detail' in (parsed as object)
          ? String((parsed as unknown as { detail: unknown }).detail)
          : text.slice(0, 300);
      this.failures.push({ method, path, status: res.status, detail });
    }
    return { status: res.status, body: parsed };
  }
}

const eqFilter = (attr: string, v: string) => `?filter=${encodeURIComponent(`${attr} eq "${v}"`)}`;

function userResource(persona: SimPersona, u: SimUser): Record<string, unknown> {
  const email = u.userName;
  if (persona === 'entra') {
    // Entra (the old behaviour many tenants still get): string booleans, enterprise extension.
    return {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId: u.externalId,
      userName: email,
      active: 'True',
      displayName: `${u.givenName} ${u.familyName}`,
      emails: [{ primary: 'True', type: 'work', value: email }],
      name: { givenName: u.givenName, familyName: u.familyName, formatted: `${u.givenName} ${u.familyName}` },
      [ENTERPRISE]: { employeeNumber: String(1000 + u.index) },
    };
  }
  if (persona === 'jumpcloud') {
    return {
      schemas: [USER_SCHEMA],
      userName: email,
      externalId: u.externalId,
      name: { givenName: u.givenName, familyName: u.familyName },
      active: 'true',
    };
  }
  if (persona === 'google') {
    return {
      schemas: [USER_SCHEMA],
      externalId: u.externalId,
      userName: email,
      name: { givenName: u.givenName, familyName: u.familyName },
      emails: [{ value: email, type: 'work', primary: true }],
      active: true,
    };
  }
  if (persona === 'onelogin') {
    // OneLogin: no `primary` flag on the email.
    return {
      schemas: [USER_SCHEMA],
      externalId: u.externalId,
      userName: email,
      active: true,
      name: { givenName: u.givenName, familyName: u.familyName },
      emails: [{ type: 'work', value: email }],
    };
  }
  return {
    schemas: [USER_SCHEMA],
    externalId: u.externalId,
    userName: email,
    active: true,
    displayName: `${u.givenName} ${u.familyName}`,
    locale: 'en-US',
    name: { givenName: u.givenName, familyName: u.familyName },
    emails: [{ primary: true, type: 'work', value: email }],
    groups: [],
  };
}

/** Replays the persona's provisioning sequence: users (lookup then create), updates, groups, membership. */
export async function simulate(o: SimOptions): Promise<SimReport> {
  const c = new Client(o);
  const domain = o.domain ?? 'example.com';
  const report: SimReport = {
    persona: o.persona,
    requests: 0,
    failures: c.failures,
    createdUserIds: [],
    createdGroupIds: [],
    users: {},
    groups: {},
  };
  // Okta and Entra both ask the discovery endpoint before provisioning.
  if (o.persona !== 'onelogin') await c.call('GET', '/ServiceProviderConfig');

  const people: SimUser[] = [];
  for (let i = 0; i < o.users; i++) people.push(simUser(i, domain, o.groups));
  const ids: string[] = [];
  for (const u of people) {
    // Every IdP here checks whether the user already exists before creating it.
    const found = await c.call<{ totalResults: number; Resources?: { id: string }[] }>(
      'GET',
      `/Users${eqFilter('userName', u.userName)}`,
    );
    const existing = found.body?.Resources?.[0]?.id;
    if (existing) {
      ids.push(existing);
      report.users[u.userName] = existing;
      continue;
    }
    const created = await c.call<{ id: string }>('POST', '/Users', userResource(o.persona, u));
    const id = created.body?.id ?? '';
    ids.push(id);
    if (id) {
      report.createdUserIds.push(id);
      report.users[u.userName] = id;
    }
  }

  // One profile update per user, in the persona's dialect.
  for (const [n, u] of people.entries()) {
    const id = ids[n];
    if (!id) continue;
    if (o.persona === 'entra') {
      await c.call('PATCH', `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Add', path: `${ENTERPRISE}:department`, value: u.department },
          {
            op: 'Replace',
            value: {
              displayName: `${u.givenName} ${u.familyName}`,
              'name.givenName': u.givenName,
              'name.familyName': u.familyName,
              [`${ENTERPRISE}:employeeNumber`]: String(1000 + u.index),
            },
          },
        ],
      });
    } else if (o.persona === 'okta') {
      // Okta sends the whole user on profile changes.
      await c.call('PUT', `/Users/${id}`, {
        ...userResource('okta', u),
        id,
        title: `${u.department} engineer`,
      });
    } else if (o.persona === 'google') {
      await c.call('PATCH', `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'replace',
            value: {
              name: { givenName: u.givenName, familyName: u.familyName },
              emails: [{ value: u.userName, type: 'work', primary: true }],
              active: true,
            },
          },
        ],
      });
    } else {
      await c.call('PATCH', `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'title', value: `${u.department} lead` }],
      });
    }
  }

  // Groups: user i belongs to group i mod groups.
  for (let k = 0; k < o.groups; k++) {
    const displayName = groupName(k);
    const members = ids.filter((id, i) => id && i % o.groups === k);
    const found = await c.call<{ Resources?: { id: string }[] }>(
      'GET',
      `/Groups${eqFilter('displayName', displayName)}&excludedAttributes=members`,
    );
    let gid = found.body?.Resources?.[0]?.id;
    if (!gid) {
      const created = await c.call<{ id: string }>('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        externalId: `sim-group-${k}`,
        displayName,
        members: [],
      });
      gid = created.body?.id;
      if (!gid) continue;
      report.createdGroupIds.push(gid);
    }
    report.groups[gid] = { displayName, members: [] };
    if (o.persona === 'okta') {
      // Okta pushes membership with a PUT of the whole group, later as a PATCH `replace` on members.
      const first = members.length > 1 ? members.slice(0, -1) : members;
      await c.call('PUT', `/Groups/${gid}`, {
        schemas: [GROUP_SCHEMA],
        id: gid,
        displayName,
        members: first.map((value) => ({ value, display: value })),
      });
      if (first.length !== members.length) {
        await c.call('PATCH', `/Groups/${gid}`, {
          schemas: [PATCH_OP],
          Operations: [
            { op: 'replace', path: 'members', value: members.map((value) => ({ value, display: value })) },
          ],
        });
      }
      report.groups[gid]!.members = [...members];
    } else if (o.persona === 'entra') {
      if (members.length) {
        await c.call('PATCH', `/Groups/${gid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Add', path: 'members', value: members.map((value) => ({ value })) }],
        });
      }
      // Entra's old-style removal (a value array on `members`), then the member is added back.
      if (members.length > 1) {
        const last = members[members.length - 1]!;
        await c.call('PATCH', `/Groups/${gid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Remove', path: 'members', value: [{ value: last }] }],
        });
        await c.call('PATCH', `/Groups/${gid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Add', path: 'members', value: [{ value: last }] }],
        });
      }
      report.groups[gid]!.members = [...members];
    } else if (o.persona === 'jumpcloud' || o.persona === 'google') {
      if (members.length) {
        await c.call('PATCH', `/Groups/${gid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }],
        });
      }
      report.groups[gid]!.members = [...members];
    } else {
      // OneLogin: one PATCH per member, value a single object.
      for (const value of members) {
        await c.call('PATCH', `/Groups/${gid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: { value } }],
        });
      }
      report.groups[gid]!.members = [...members];
    }
  }
  report.requests = c.requests;
  return report;
}

export interface DeprovisionReport {
  persona: SimPersona;
  requests: number;
  failures: SimFailure[];
  deactivatedUserIds: string[];
  deletedUserIds: string[];
}

/** Deprovisions users the persona's way: deactivate, then DELETE where the persona does (not Okta). */
export async function deprovision(
  o: Omit<SimOptions, 'users' | 'groups'> & { userIds: string[]; users?: number; groups?: number },
): Promise<DeprovisionReport> {
  const c = new Client({ users: 0, groups: 0, ...o });
  const out: DeprovisionReport = {
    persona: o.persona,
    requests: 0,
    failures: c.failures,
    deactivatedUserIds: [],
    deletedUserIds: [],
  };
  for (const [i, id] of o.userIds.entries()) {
    if (o.persona === 'okta' && i % 2 === 1) {
      // Okta's other deactivation shape: the whole user, as read, PUT back with active false.
      const got = await c.call<Record<string, unknown>>('GET', `/Users/${id}`);
      if (!got.body) continue;
      const { meta: _meta, ...user } = got.body;
      const r = await c.call('PUT', `/Users/${id}`, { ...user, active: false });
      if (r.status >= 200 && r.status < 300) out.deactivatedUserIds.push(id);
      continue;
    }
    const body =
      o.persona === 'okta'
        ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }
        : o.persona === 'entra'
          ? { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }
          : o.persona === 'jumpcloud'
            ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'false' }] }
            : o.persona === 'google'
              ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }
              : { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };
    const r = await c.call('PATCH', `/Users/${id}`, body);
    if (r.status >= 200 && r.status < 300) out.deactivatedUserIds.push(id);
    if (o.persona !== 'okta') {
      const d = await c.call('DELETE', `/Users/${id}`);
      if (d.status >= 200 && d.status < 300) out.deletedUserIds.push(id);
    }
  }
  out.requests = c.requests;
  return out;
}

export const SCIM_SIM_USAGE = `portico scim-sim --persona okta|entra|onelogin|jumpcloud|google --url <scim base url> --token <bearer>
          [--users 10] [--groups 3] [--domain example.com] [--deprovision]`;

/**
 * `portico scim-sim …`: provisions (and with --deprovision, then deprovisions every user it
 * provisioned), prints the report as JSON, and exits 0 only when no request failed.
 */
export async function runScimSim(
  args: string[],
  out: { log(s: string): void; error(s: string): void } = console,
  fetchImpl?: SimOptions['fetch'],
): Promise<number> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a?.startsWith('--')) continue;
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) flags[a.slice(2)] = 'true';
    else {
      flags[a.slice(2)] = next;
      i++;
    }
  }
  const persona = flags.persona as SimPersona;
  const count = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const users = count(flags.users, 10);
  const groups = count(flags.groups, 3);
  const problems: string[] = [];
  if (!SIM_PERSONAS.includes(persona)) problems.push(`--persona must be one of ${SIM_PERSONAS.join(', ')}`);
  if (!flags.url || !/^https?:\/\//.test(flags.url))
    problems.push('--url must be the SCIM base URL (http[s]://…)');
  if (!flags.token || flags.token === 'true') problems.push('--token is required');
  if (!Number.isInteger(users) || users < 0) problems.push('--users must be a whole number');
  if (!Number.isInteger(groups) || groups < 0) problems.push('--groups must be a whole number');
  if (problems.length) {
    out.error(`${problems.join('\n')}\n\nUsage: ${SCIM_SIM_USAGE}`);
    return 2;
  }
  const base = {
    baseUrl: flags.url!,
    token: flags.token!,
    persona,
    domain: flags.domain && flags.domain !== 'true' ? flags.domain : 'example.com',
    fetch: fetchImpl,
  };
  const report = await simulate({ ...base, users, groups });
  const result: Record<string, unknown> = { provision: report };
  let failed = report.failures.length;
  if (flags.deprovision === 'true') {
    const dep = await deprovision({ ...base, userIds: Object.values(report.users) });
    result.deprovision = dep;
    failed += dep.failures.length;
  }
  out.log(JSON.stringify(result, null, 2));
  return failed ? 1 : 0;
}
