/**
 * Each identity provider's own set-up steps, in plain words: what to click in its admin console
 * and which of Portico's values goes where. `values` are the names of the copyable values shown
 * next to the guide (they match the labels on the page).
 */
import type { ReactNode } from 'react';

export interface Guide {
  title: string;
  steps: ReactNode[];
  /** Where the IdP shows the metadata (SAML) or settings (OIDC) the next step asks for. */
  metadataHint: string;
}

export const SSO_GUIDES: Record<string, Guide> = {
  okta: {
    title: 'Okta',
    steps: [
      <>
        Sign in to the Okta Admin Console. Go to <b>Applications → Applications</b> and click{' '}
        <b>Create App Integration</b>.
      </>,
      <>
        Choose <b>SAML 2.0</b>, click <b>Next</b>, give the app a name your users will recognise, and click{' '}
        <b>Next</b>.
      </>,
      <>
        Paste the <b>ACS URL</b> below into <b>Single sign-on URL</b>, and the <b>SP entity ID</b> into{' '}
        <b>Audience URI (SP Entity ID)</b>. Set <b>Name ID format</b> to <b>EmailAddress</b> and{' '}
        <b>Application username</b> to <b>Email</b>.
      </>,
      <>
        Under <b>Attribute Statements</b>, add <code>email</code> → <code>user.email</code>,{' '}
        <code>firstName</code> → <code>user.firstName</code> and <code>lastName</code> →{' '}
        <code>user.lastName</code>. Click <b>Next</b>, then <b>Finish</b>.
      </>,
      <>
        On the app's <b>Assignments</b> tab, assign the people or groups who should sign in.
      </>,
    ],
    metadataHint:
      'In Okta, open the app’s Sign On tab: copy the “Metadata URL” shown under SAML 2.0 (or download the metadata file).',
  },
  entra: {
    title: 'Microsoft Entra ID',
    steps: [
      <>
        Sign in to the Microsoft Entra admin center. Go to <b>Enterprise applications</b> and click{' '}
        <b>New application → Create your own application</b>. Choose “Integrate any other application you
        don’t find in the gallery”.
      </>,
      <>
        Open <b>Single sign-on</b> and choose <b>SAML</b>. In <b>Basic SAML Configuration</b> click{' '}
        <b>Edit</b>.
      </>,
      <>
        Paste the <b>SP entity ID</b> below into <b>Identifier (Entity ID)</b> and the <b>ACS URL</b> into{' '}
        <b>Reply URL (Assertion Consumer Service URL)</b>. Save.
      </>,
      <>
        Keep the default <b>Attributes &amp; Claims</b> (email address, given name, surname). Entra sends them
        under their long claim names; Portico understands those.
      </>,
      <>
        Under <b>Users and groups</b>, assign the people or groups who should sign in.
      </>,
    ],
    metadataHint:
      'In Entra, section 3 “SAML Certificates” of the Single sign-on page: copy the “App Federation Metadata Url”.',
  },
  google: {
    title: 'Google Workspace',
    steps: [
      <>
        Sign in to the Google Admin console. Go to <b>Apps → Web and mobile apps</b> and click{' '}
        <b>Add app → Add custom SAML app</b>. Name it and click <b>Continue</b>.
      </>,
      <>
        On the <b>Google Identity Provider details</b> page, click <b>Download metadata</b> (you will upload
        it in the next step), then <b>Continue</b>.
      </>,
      <>
        Paste the <b>ACS URL</b> below into <b>ACS URL</b> and the <b>SP entity ID</b> into <b>Entity ID</b>.
        Set <b>Name ID format</b> to <b>EMAIL</b> and <b>Name ID</b> to{' '}
        <b>Basic Information › Primary email</b>.
      </>,
      <>
        Under <b>Attribute mapping</b>, map <b>First name</b> → <code>firstName</code>, <b>Last name</b> →{' '}
        <code>lastName</code> and <b>Primary email</b> → <code>email</code>. Click <b>Finish</b>.
      </>,
      <>
        Open the app, click <b>User access</b> and turn it <b>ON for everyone</b> (or for the right
        organizational units).
      </>,
    ],
    metadataHint: 'Google gives the metadata as a file (GoogleIDPMetadata.xml): paste its content below.',
  },
  adfs: {
    title: 'Microsoft AD FS',
    steps: [
      <>
        Open <b>AD FS Management</b>. Right-click <b>Relying Party Trusts</b> and choose{' '}
        <b>Add Relying Party Trust…</b> (Claims aware).
      </>,
      <>
        Choose <b>Import data about the relying party published online</b> and paste the{' '}
        <b>SP metadata URL</b> below. (Or enter the data manually: the <b>SP entity ID</b> as the relying
        party identifier and the <b>ACS URL</b> as the SAML 2.0 WebSSO URL.)
      </>,
      <>Finish the wizard with the access control policy your company uses.</>,
      <>
        Right-click the new trust, choose{' '}
        <b>Edit Claim Issuance Policy → Add Rule → Send LDAP Attributes as Claims</b>: map{' '}
        <b>E-Mail-Addresses</b> → <b>E-Mail Address</b> and <b>Name ID</b>, <b>Given-Name</b> →{' '}
        <b>Given Name</b>, <b>Surname</b> → <b>Surname</b>.
      </>,
    ],
    metadataHint:
      'AD FS publishes its metadata at https://<your AD FS host>/FederationMetadata/2007-06/FederationMetadata.xml.',
  },
  saml: {
    title: 'SAML 2.0',
    steps: [
      <>
        In your identity provider, create a new SAML 2.0 application (sometimes called a “service provider”).
      </>,
      <>
        Give it the <b>ACS URL</b> below as the Assertion Consumer Service (reply) URL, with the HTTP-POST
        binding, and the <b>SP entity ID</b> as the audience / entity ID. If it can import metadata, give it
        the <b>SP metadata URL</b> instead.
      </>,
      <>
        Send the user’s email address as the NameID (format emailAddress) and as an attribute named{' '}
        <code>email</code>; send <code>firstName</code> and <code>lastName</code> too. Sign the response or
        the assertion.
      </>,
      <>Assign the people who should sign in.</>,
    ],
    metadataHint: 'Your identity provider shows a metadata URL or lets you download a metadata XML file.',
  },
  oidc: {
    title: 'OpenID Connect',
    steps: [
      <>In your identity provider, create a new OpenID Connect web application (authorization code flow).</>,
      <>
        Add the <b>Redirect URI</b> below as an allowed sign-in redirect URI.
      </>,
      <>
        Allow the scopes <code>openid</code>, <code>email</code> and <code>profile</code>, and assign the
        people who should sign in.
      </>,
      <>Copy the application’s client ID and client secret, and the issuer’s discovery URL.</>,
    ],
    metadataHint:
      'The discovery URL ends in /.well-known/openid-configuration (for example https://login.example.com/.well-known/openid-configuration).',
  },
};

export const DIRECTORY_GUIDES: Record<string, { title: string; steps: ReactNode[] }> = {
  okta: {
    title: 'Okta',
    steps: [
      <>
        In the Okta Admin Console, open the SAML app you use for sign-in (or create one under{' '}
        <b>Applications → Create App Integration</b>). On its <b>General</b> tab, click <b>Edit</b> and enable{' '}
        <b>SCIM provisioning</b>.
      </>,
      <>
        On the new <b>Provisioning</b> tab, click <b>Edit</b>. Paste the <b>SCIM base URL</b> into{' '}
        <b>SCIM connector base URL</b>, enter <code>userName</code> as the <b>Unique identifier field</b>,
        tick <b>Push New Users</b>, <b>Push Profile Updates</b> and <b>Push Groups</b>.
      </>,
      <>
        Choose <b>HTTP Header</b> authentication and paste the <b>Bearer token</b>. Click{' '}
        <b>Test Connector Configuration</b>, then <b>Save</b>.
      </>,
      <>
        Under <b>Provisioning → To App</b>, enable <b>Create Users</b>, <b>Update User Attributes</b> and{' '}
        <b>Deactivate Users</b>. Assign people, and add groups under <b>Push Groups</b>.
      </>,
    ],
  },
  entra: {
    title: 'Microsoft Entra ID',
    steps: [
      <>
        In the Microsoft Entra admin center, open <b>Enterprise applications</b> and the app you use for
        sign-in (or <b>New application → Create your own application</b>).
      </>,
      <>
        Open <b>Provisioning</b>, click <b>Get started</b> and set <b>Provisioning Mode</b> to{' '}
        <b>Automatic</b>.
      </>,
      <>
        Paste the <b>SCIM base URL</b> into <b>Tenant URL</b> and the <b>Bearer token</b> into{' '}
        <b>Secret Token</b>. Click <b>Test Connection</b>, then <b>Save</b>.
      </>,
      <>
        Assign users and groups under <b>Users and groups</b>, set <b>Provisioning Status</b> to <b>On</b> and
        save. Entra syncs every 40 minutes; <b>Provision on demand</b> sends one user right away.
      </>,
    ],
  },
  google: {
    title: 'Google Workspace',
    steps: [
      <>
        In the Google Admin console, go to <b>Apps → Web and mobile apps</b> and open the app (or add a custom
        SAML app).
      </>,
      <>
        Open <b>Auto-provisioning</b> and click <b>Set up auto-provisioning</b>.
      </>,
      <>
        Paste the <b>Bearer token</b> as the access token and the <b>SCIM base URL</b> as the endpoint URL.
        Keep the default attribute mapping.
      </>,
      <>
        Choose the groups to provision (or everyone), then turn auto-provisioning <b>ON</b>.
      </>,
    ],
  },
  onelogin: {
    title: 'OneLogin',
    steps: [
      <>
        In OneLogin, go to <b>Applications → Add App</b> and add{' '}
        <b>SCIM Provisioner with SAML (SCIM v2 Enterprise)</b>.
      </>,
      <>
        On the <b>Configuration</b> tab, paste the <b>SCIM base URL</b> into <b>SCIM Base URL</b> and the{' '}
        <b>Bearer token</b> into <b>SCIM Bearer Token</b>. Click <b>Enable</b> under API Connection, then{' '}
        <b>Save</b>.
      </>,
      <>
        On the <b>Provisioning</b> tab, tick <b>Enable provisioning</b> and choose what happens when users are
        deleted or suspended.
      </>,
      <>Assign users (Users tab) and, under Parameters, send groups if you need them.</>,
    ],
  },
  jumpcloud: {
    title: 'JumpCloud',
    steps: [
      <>
        In the JumpCloud Admin Portal, go to <b>SSO Applications</b> and open (or add) a{' '}
        <b>Custom SAML App</b>.
      </>,
      <>
        On the <b>Identity Management</b> tab, choose <b>SCIM 2.0</b> as the API type.
      </>,
      <>
        Paste the <b>SCIM base URL</b> into <b>Base URL</b> and the <b>Bearer token</b> into <b>Token Key</b>.
        Click <b>Test Connection</b>, then <b>Activate</b> and <b>Save</b>.
      </>,
      <>Bind user groups to the application: their members and the groups are provisioned.</>,
    ],
  },
  generic: {
    title: 'SCIM 2.0',
    steps: [
      <>
        In your identity provider, find the provisioning (SCIM 2.0) settings of the app you use for sign-in.
      </>,
      <>
        Give it the <b>SCIM base URL</b> (it serves <code>/Users</code> and <code>/Groups</code>) and the{' '}
        <b>Bearer token</b> for <code>Authorization: Bearer</code>.
      </>,
      <>Enable creating, updating and deactivating users, and pushing groups. Then assign people.</>,
    ],
  },
};
