/** The portal session as `GET /portal/api/session` describes it, and the portal API's shapes. */

export interface Idp {
  id: string;
  type: string;
  label: string;
}

export interface PortalSession {
  organization: { id: string; name: string };
  intent: 'sso' | 'dsync' | 'domain_verification' | 'certificate_renewal' | 'audit_logs' | 'log_streams';
  intent_options: Record<string, unknown>;
  return_url: string | null;
  success_url: string | null;
  expires_at: string;
  csrf: string;
  sso_idps: Idp[];
  directory_idps: Idp[];
}

export interface Certificate {
  fingerprint_sha256: string;
  subject: string;
  not_before: string;
  not_after: string;
  expired: boolean;
  days_left: number;
  /** metadata: published by the IdP's metadata URL; added: pasted here or by the application. */
  source: 'metadata' | 'added' | 'configured';
}

export interface Connection {
  id: string;
  name: string;
  connection_type: string;
  state: 'draft' | 'active' | 'inactive';
  setup_problem: string | null;
  attribute_map: Record<string, string>;
  sp: { sp_entity_id: string; acs_url: string; metadata_url: string; oidc_redirect_uri: string };
  saml?: { idp_entity_id: string | null; idp_sso_url: string | null };
  oidc?: { discovery_url: string | null; client_id: string | null; redirect_uri: string };
  certificates: Certificate[];
  metadata_url: string | null;
  /** When a sign-in through the connection last succeeded (a test or a real one); null: never. */
  last_successful_sign_in_at: string | null;
}

export interface TestVerdict {
  test_id: string;
  connection_id: string;
  outcome: 'pending' | 'succeeded' | 'failed';
  email: string | null;
  error: { code: string; message: string | null; fix: string | null } | null;
  steps: { step: string; ok: boolean; detail?: string }[];
}

export interface Directory {
  id: string;
  name: string;
  type: string;
  state: string;
  scim_base_url: string;
  token_hint: string;
  bearer_token?: string;
}

export interface DirectoryUser {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  state: string;
  groups: string[];
}

export interface Domain {
  id: string;
  domain: string;
  state: 'pending' | 'verified' | 'failed';
  record_type: 'TXT';
  record_name: string;
  record_value: string | null;
  check?: { ok: boolean; reason: string | null; found: string[] };
}

/** Which IdP a connection or directory type came from (to show its guide again). */
export function idpOf(list: Idp[], type: string): string {
  return list.find((i) => i.type === type)?.id ?? (type.endsWith('OIDC') ? 'oidc' : 'saml');
}

export type LogStreamType = 'Datadog' | 'Splunk' | 'S3' | 'GoogleCloudStorage' | 'HTTP';

export interface LogStream {
  id: string;
  type: LogStreamType;
  state: 'active' | 'inactive' | 'error';
  config: Record<string, unknown>;
  secret_hint: string;
  delivered_through_seq: number;
  pending_events: number;
  attempts: number;
  last_delivered_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface LogStreamTest {
  success: boolean;
  status: number | null;
  error: string | null;
  duration_ms: number;
}
