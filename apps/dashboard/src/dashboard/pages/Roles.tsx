/**
 * Roles and permissions (the WorkOS authorization API with the dashboard session): the
 * environment's roles in priority order with their permissions, create a permission, create a
 * role, choose a role's permissions, make a role the default, delete a role (refused, with the
 * server's message, while memberships or directory mappings use it). docs/roles.md.
 */
import { useState } from 'react';
import {
  Button,
  Empty,
  ErrorNotice,
  Field,
  LoadState,
  Notice,
  Table,
  useAction,
  useLoad,
} from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { Badge, CheckboxGroup, ConfirmButton, fieldError, PageHeader } from '../kit.tsx';

interface Role {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  permissions: string[];
}
interface Permission {
  slug: string;
  name: string;
  system: boolean;
}

export function RolesPage() {
  const roles = useLoad(() => dash.get<{ data: Role[] }>('/authorization/roles'), []);
  const perms = useLoad(
    () => dash.get<{ data: Permission[] }>('/authorization/permissions?limit=100&order=asc'),
    [],
  );
  const [permSlug, setPermSlug] = useState('');
  const [permName, setPermName] = useState('');
  const [roleSlug, setRoleSlug] = useState('');
  const [roleName, setRoleName] = useState('');
  const [editing, setEditing] = useState<{ slug: string; permissions: string[] } | null>(null);
  const [saved, setSaved] = useState('');
  const createPerm = useAction(async () => {
    await dash.post('/authorization/permissions', { slug: permSlug, name: permName });
    setSaved(`Permission ${permSlug} created.`);
    setPermSlug('');
    setPermName('');
    perms.reload();
  });
  const createRole = useAction(async () => {
    await dash.post('/authorization/roles', { slug: roleSlug, name: roleName });
    setSaved(`Role ${roleSlug} created.`);
    setRoleSlug('');
    setRoleName('');
    roles.reload();
  });
  const savePerms = useAction(async () => {
    if (!editing) return;
    await dash.put(`/authorization/roles/${encodeURIComponent(editing.slug)}/permissions`, {
      permissions: editing.permissions,
    });
    setSaved(`Permissions of ${editing.slug} saved.`);
    setEditing(null);
    roles.reload();
  });
  const remove = useAction(async (slug: string) => {
    await dash.del(`/authorization/roles/${encodeURIComponent(slug)}`);
    setSaved(`Role ${slug} deleted.`);
    roles.reload();
  });
  return (
    <section>
      <PageHeader title="Roles" />
      <p className="muted">
        Environment roles, highest priority first: a member with several roles gets the first as the access
        token's <code>role</code>, and the permissions of all of them. Changes show at the next token refresh.
      </p>
      {saved ? <Notice kind="success">{saved}</Notice> : null}
      <ErrorNotice error={remove.error} />
      <div className="panel">
        <h2>Create a permission</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            setSaved('');
            void createPerm.run();
          }}
        >
          <Field
            label="Permission slug"
            name="permission_slug"
            value={permSlug}
            onChange={setPermSlug}
            placeholder="posts:read"
            required
            error={fieldError(createPerm.error, 'slug')}
          />
          <Field
            label="Permission name"
            name="permission_name"
            value={permName}
            onChange={setPermName}
            required
          />
          <Button type="submit" busy={createPerm.busy}>
            Create permission
          </Button>
        </form>
        <ErrorNotice error={createPerm.error} />
      </div>
      <div className="panel">
        <h2>Create a role</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            setSaved('');
            void createRole.run();
          }}
        >
          <Field
            label="Role slug"
            name="role_slug"
            value={roleSlug}
            onChange={setRoleSlug}
            placeholder="editor"
            required
            error={fieldError(createRole.error, 'slug')}
          />
          <Field label="Role name" name="role_name" value={roleName} onChange={setRoleName} required />
          <Button type="submit" busy={createRole.busy}>
            Create role
          </Button>
        </form>
        <ErrorNotice error={createRole.error} />
      </div>
      {editing ? (
        <div className="panel">
          <h2>Permissions of {editing.slug}</h2>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void savePerms.run();
            }}
          >
            <CheckboxGroup
              legend="Permissions"
              options={(perms.data?.data ?? []).map((p) => p.slug)}
              value={editing.permissions}
              onChange={(permissions) => setEditing({ ...editing, permissions })}
            />
            <Button type="submit" busy={savePerms.busy}>
              Save permissions
            </Button>
          </form>
          <ErrorNotice error={savePerms.error} />
        </div>
      ) : null}
      <LoadState loaded={roles} what="roles">
        {(page) => (
          <Table
            caption="Roles"
            head={['Priority', 'Name', 'Slug', 'Permissions', '', '']}
            rows={page.data.map((r, i) => [
              String(i + 1),
              r.name,
              <code key="s">{r.slug}</code>,
              r.permissions.length ? r.permissions.join(', ') : <Badge key="n">none</Badge>,
              <Button key="e" onClick={() => setEditing({ slug: r.slug, permissions: r.permissions })}>
                Edit permissions of {r.slug}
              </Button>,
              <ConfirmButton
                key="d"
                label={`Delete ${r.slug}`}
                question={`Delete role ${r.slug}?`}
                action={() => remove.run(r.slug)}
              />,
            ])}
            empty={<Empty title="No roles." />}
          />
        )}
      </LoadState>
    </section>
  );
}
