/** The `portico` command's help text (`portico help`). */

export const HELP = `portico — self-hosted enterprise authentication that speaks the WorkOS API

Usage:
  portico start                         migrate, bootstrap and serve (default)
  portico worker                        deliver webhooks and emails only (no HTTP server)
  portico migrate                       apply pending database migrations
  portico api-keys create [name]        create an API key (printed once)
  portico api-keys list                 list API keys (obfuscated)
  portico api-keys revoke <id>          revoke an API key
  portico redirect-uris add <uri>       allow a redirect URI
  portico redirect-uris list            list allowed redirect URIs
  portico redirect-uris remove <uri>    remove a redirect URI
  portico redirect-uris logout-default [<uri>|--clear]
                                        show, set or clear where sign-out goes without return_to
  portico admin create --email <email>  create a dashboard admin, or set a new password for an
                                        existing one (printed once; its sessions end)
  portico keys rotate                   publish a new signing key (signs after 10 minutes)
  portico connections list              list SSO connections
  portico connections create-saml <name> --type OktaSAML --org <org_id>
          (--metadata-url <url> | --metadata-file <path> | --entity-id <id> --sso-url <url> --cert-file <pem>)
  portico connections create-oidc <name> --org <org_id> --discovery-url <url> --client-id <id> --client-secret <secret>
  portico connections activate|deactivate <conn_id>
  portico connections setup <conn_id>   print the ACS URL, entity id and metadata URL for the IdP
  portico webhooks create <url> <event…>  create a webhook endpoint (secret printed once)
  portico webhooks list                 list webhook endpoints
  portico mail list [--limit 20]        list the newest emails (to, subject, status; in development
                                        also the body with its code or link)
  portico audit verify [--organization <org_id>]
                                        verify audit log hash chains and signed checkpoints
                                        (exit code 1 and each problem printed when one fails)
  portico scim-sim --persona okta|entra|onelogin|jumpcloud|google --url <scim base url> --token <bearer>
          [--users 10 --groups 3 --domain example.com] [--deprovision]
          replay an IdP's SCIM provisioning (quirks included) against any SCIM endpoint

Only \`portico start\` bootstraps: on an empty database it creates the first environment and the
first dashboard admin and prints their credentials once (several processes starting together
create them once; one of them prints). The other commands only open the database, apply pending
migrations and do their one thing, so they are safe to run next to a running server; on a
database that \`portico start\` has not set up yet they refuse (\`portico worker\` needs no
environment and simply waits for webhooks and emails to deliver). Printed URLs (ACS URLs, sign-in links)
use PORTICO_PUBLIC_URL: give the CLI the same value as the server.

Configuration comes from the environment: PORT, HOST, PORTICO_DATABASE_URL, PORTICO_PUBLIC_URL,
PORTICO_SECRET, PORTICO_API_KEY, PORTICO_CLIENT_ID, PORTICO_REDIRECT_URIS, PORTICO_ADMIN_EMAIL,
PORTICO_ADMIN_PASSWORD, PORTICO_SMTP_URL, PORTICO_EMAIL_FROM (see README.md and docs/cli.md).`;
