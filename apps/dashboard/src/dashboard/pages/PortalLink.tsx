/**
 * "Let the customer set it up": generates an Admin Portal link for one organization and intent
 * through the same endpoint the SDK calls (`POST /portal/generate_link`). The link is single-use
 * and expires in 5 minutes, so it is shown with that warning, to be sent to the IT admin.
 */
import { type FormEvent, useState } from 'react';
import type { List } from '../../shared/api.ts';
import { Button, CopyValue, ErrorNotice, type Loaded, Notice, Select, useAction } from '../../shared/ui.tsx';
import { dash, type Organization } from '../client.ts';
import { OrganizationSelect } from '../kit.tsx';

const INTENTS = {
  sso: 'Single sign-on (SAML or OIDC)',
  dsync: 'Directory Sync (SCIM)',
  domain_verification: 'Domain verification',
  certificate_renewal: 'SAML certificate renewal',
} as const;

export function PortalLinkPanel({
  intent,
  orgs,
}: {
  intent: keyof typeof INTENTS;
  /** The page's organizations (loaded once by the page, not again here). */
  orgs: Loaded<List<Organization>>;
}) {
  const [org, setOrg] = useState('');
  const [chosen, setChosen] = useState<string>(intent);
  const [link, setLink] = useState<string | null>(null);
  const gen = useAction(async () => {
    setLink(null);
    const r = await dash.post<{ link: string }>('/portal/generate_link', {
      organization: org,
      intent: chosen,
    });
    setLink(r.link);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void gen.run();
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="portal-link-title">
      <h2 id="portal-link-title">Let the customer&apos;s IT admin set it up</h2>
      <p className="hint">
        An Admin Portal link walks them through their IdP step by step. Your app can generate the same link
        with <code>workos.portal.generateLink</code>.
      </p>
      <div className="row">
        <OrganizationSelect
          orgs={orgs}
          value={org}
          onChange={setOrg}
          emptyLabel="Choose an organization"
          name="portal-organization"
        />
        <Select
          label="What to set up"
          name="portal-intent"
          value={chosen}
          onChange={setChosen}
          options={Object.entries(INTENTS).map(([value, label]) => ({ value, label }))}
        />
      </div>
      <Button type="submit" kind="secondary" busy={gen.busy} disabled={!org}>
        Generate Admin Portal link
      </Button>
      <ErrorNotice error={gen.error} title="No link was generated." />
      {link ? (
        <>
          <CopyValue label="Admin Portal link" value={link} />
          <Notice kind="info">It works once and expires in 5 minutes: send it now.</Notice>
        </>
      ) : null}
    </form>
  );
}
