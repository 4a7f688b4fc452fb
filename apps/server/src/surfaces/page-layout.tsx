/** @jsxImportSource hono/jsx */
/**
 * The hosted pages' shared layout (every feature's browser pages use it): server-rendered, usable
 * without JavaScript, no inline script or style (the CSP forbids both; the stylesheet is served from
 * /authkit/styles.css). hono/jsx escapes every interpolated value, so names with markup or quotes
 * render as text. Also the error page, the error middleware for page routes, and the "continue to
 * your identity provider" page.
 *
 * Branding: a route that knows the environment calls setPageBrand(c, …) (surfaces/hosted.ts) and
 * renders with renderPage(c, …); the Layout then links the environment's stylesheet
 * (`/authkit/brand/<client_id>.css`, custom properties only) and shows its logo and name in the
 * header. Without an environment the pages keep the default Portico look.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { type Child, createContext, type FC, useContext } from 'hono/jsx';
import { AppError, type ErrorCode } from '../platform/errors.ts';
import { brandEtag, type PageBrand } from './brand.ts';
import { pageBrand, pageHeaders } from './hosted.ts';

const BrandContext = createContext<PageBrand | null>(null);

/** Renders a hosted page in the branding setPageBrand recorded on this request (if any). */
export function renderPage(c: Context, node: unknown): string {
  return String(<BrandContext.Provider value={pageBrand(c)}>{node as Child}</BrandContext.Provider>);
}

/** The `<head>` links and title every hosted page shares. */
const Head: FC<{ title: string; brand: PageBrand | null; children?: unknown }> = ({
  title,
  brand,
  children,
}) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    {children}
    <title>{`${title} · ${brand?.header ? brand.name : 'Portico'}`}</title>
    <link rel="stylesheet" href="/authkit/styles.css" />
    {brand?.color ? (
      <link
        rel="stylesheet"
        href={`/authkit/brand/${encodeURIComponent(brand.clientId)}.css?v=${brandEtag(brand.color).slice(1, -1)}`}
      />
    ) : null}
  </head>
);

/** The environment's logo (alt: its display name) and name; nothing in the default look. */
const BrandHeader: FC<{ brand: PageBrand | null }> = ({ brand }) =>
  brand?.header ? (
    <header class="brand" id="brand">
      {brand.logoUrl ? <img class="brand-logo" src={brand.logoUrl} alt={brand.name} height="40" /> : null}
      <span class="brand-name" aria-hidden={brand.logoUrl ? 'true' : undefined}>
        {brand.name}
      </span>
    </header>
  ) : null;

export const Layout: FC<{ title: string; children?: unknown }> = ({ title, children }) => {
  const brand = useContext(BrandContext);
  return (
    <html lang="en">
      <Head title={title} brand={brand} />
      <body>
        <main class="card">
          <BrandHeader brand={brand} />
          {children}
        </main>
      </body>
    </html>
  );
};

/** An error on a hosted page: what happened (with how to fix it) and its stable code. */
export interface PageError {
  code: ErrorCode | (string & {});
  message: string;
}

/** The code (and the request id, when known) that support and docs/errors.md look up. */
export const ErrorCodeLine: FC<{ code: string; requestId?: string }> = ({ code, requestId }) => (
  <p class="hint code" data-code={code}>
    Error code: <code>{code}</code>
    {requestId ? (
      <>
        {' '}
        · request <code>{requestId}</code>
      </>
    ) : null}
  </p>
);

export const ErrorBox: FC<{ error?: PageError }> = ({ error }) =>
  error ? (
    <>
      <p class="error" role="alert" id="form-error">
        {error.message}
      </p>
      <ErrorCodeLine code={error.code} />
    </>
  ) : null;

/** A page that tells the person something went as asked ("Signed out"). */
export const MessagePage: FC<{ title: string; message: string; id?: string }> = (p) => (
  <Layout title={p.title}>
    <h1>{p.title}</h1>
    <p id={p.id}>{p.message}</p>
  </Layout>
);

export interface ErrorPageProps extends PageError {
  title: string;
  /** How to fix it, when the message does not already say. */
  hint?: string;
  requestId?: string;
}

/** A hosted page that refuses or explains a failure: always with its stable code. */
export const ErrorPage: FC<ErrorPageProps> = (p) => (
  <Layout title={p.title}>
    <h1>{p.title}</h1>
    <p class="error" role="alert">
      {p.message}
    </p>
    {p.hint ? <p class="hint">{p.hint}</p> : null}
    <ErrorCodeLine code={p.code} requestId={p.requestId} />
  </Layout>
);

/** Answers with an ErrorPage under the hosted pages' headers (strict CSP, no caching). */
export function errorPage(c: Context, status: number, props: Omit<ErrorPageProps, 'requestId'>) {
  pageHeaders(c);
  const requestId = String(c.get('requestId' as never) ?? '') || undefined;
  return c.html(renderPage(c, <ErrorPage {...props} requestId={requestId} />), status as 400);
}

/**
 * Mounted before a page's handler: an unexpected failure in it becomes an HTML page with the
 * `internal_error` code and the request id, not the API surfaces' JSON, because a person is
 * looking at it. (The app's error handler has already logged the cause.)
 */
export const pageErrors: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.error) return;
  // A refusal of the request itself (bad characters in a form, say) is the person's to fix.
  if (c.error instanceof AppError && c.error.status < 500) {
    c.res = errorPage(c, c.error.status, {
      title: 'This request cannot be used',
      code: c.error.code,
      message: c.error.message,
      hint: 'Go back to the application and try again.',
    });
    return;
  }
  c.res = errorPage(c, 500, {
    title: 'Something went wrong',
    code: 'internal_error',
    message: 'Portico hit an internal error while preparing this page.',
    hint: 'Try again. If it keeps happening, give the request id below to whoever runs this Portico server: it locates the cause in the server log.',
  });
};

/**
 * Sends the browser on to the customer's identity provider after a form post. A 302 would be a
 * redirect of the form submission, which the page's CSP form-action forbids for an origin it
 * cannot know in advance; a meta refresh (and a link) is an ordinary navigation.
 */
export const ContinuePage: FC<{ title: string; message: string; href: string }> = (p) => {
  const brand = useContext(BrandContext);
  return (
    <html lang="en">
      <Head title={p.title} brand={brand}>
        <meta http-equiv="refresh" content={`0;url=${p.href}`} />
      </Head>
      <body>
        <main class="card">
          <BrandHeader brand={brand} />
          <h1>{p.title}</h1>
          <p>{p.message}</p>
          <p>
            <a href={p.href}>Continue</a>
          </p>
        </main>
      </body>
    </html>
  );
};

export const STYLES = `
:root{--brand:#1d4ed8;--brand-text:#fff;--brand-ink:#1d4ed8;color-scheme:light dark;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f5f7;color:#111}
.card{box-sizing:border-box;overflow-wrap:anywhere;background:#fff;max-width:464px;width:calc(100% - 32px);padding:32px;border-radius:12px;box-shadow:0 2px 16px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input,select{width:100%;box-sizing:border-box;padding:.6rem .7rem;border:1px solid #888;border-radius:6px;font-size:1rem}
input:focus,button:focus,a:focus{outline:3px solid var(--brand-ink);outline-offset:2px}
a{color:var(--brand-ink)}
input[readonly]{background:#eef0f3;color:#333}
button{margin-top:1.2rem;width:100%;padding:.7rem;border:0;border-radius:6px;background:var(--brand);color:var(--brand-text);font-size:1rem;font-weight:600;cursor:pointer}
input[type=radio],input[type=checkbox]{width:auto}label.check{display:flex;gap:.5rem;align-items:center;font-weight:400}fieldset{border:0;padding:0;margin:0}fieldset label{font-weight:400}.row{display:flex;gap:12px}.row>span{flex:1}
button.secondary{margin-top:.6rem;background:transparent;color:var(--brand-ink);border:1px solid var(--brand-ink)}
.brand{display:flex;align-items:center;gap:.6rem;margin:0 0 1.2rem;font-weight:700;font-size:1.05rem}.brand-logo{display:block;height:40px;width:auto;max-width:200px}
#sent-to,#sent-to strong{overflow-wrap:anywhere}
.otp{font-size:1.6rem;letter-spacing:.35em;text-align:center;font-variant-numeric:tabular-nums}
.choice{display:flex;gap:.6rem;align-items:center;padding:.6rem .7rem;border:1px solid #888;border-radius:6px;margin:.5rem 0;font-weight:400}
.inline{display:inline;margin:0}.inline button{width:auto;margin-top:.4rem;padding:.3rem .6rem;font-size:.9rem}
.error{background:#fee2e2;color:#7f1d1d;padding:.6rem .8rem;border-radius:6px}
.impersonation{background:#fef3c7;color:#78350f;border:1px solid #d97706;padding:.6rem .8rem;border-radius:6px}
.hint{color:#444}small{color:#555}.code{font-size:.85rem}
.switch{margin-top:1.2rem;text-align:center}
.qr{display:block;margin:.6rem auto;width:200px;height:200px;max-width:100%;image-rendering:pixelated;background:#fff}
.key{font-family:ui-monospace,monospace;font-size:1.05rem;letter-spacing:.08em;overflow-wrap:anywhere}
.codes{columns:2;font-family:ui-monospace,monospace;font-size:1.05rem;padding-left:1.4rem}
a.button{display:block;box-sizing:border-box;margin-top:1.2rem;width:100%;padding:.7rem;border-radius:6px;background:var(--brand);color:var(--brand-text);font-weight:600;text-align:center;text-decoration:none}
details{margin-top:1.2rem}summary{cursor:pointer;color:var(--brand-ink)}
@media (prefers-color-scheme:dark){:root{--brand-ink:#93b4ff}body{background:#111;color:#eee}.card{background:#1c1c1f}input{background:#111;color:#eee}.hint,small{color:#bbb}}
`;
