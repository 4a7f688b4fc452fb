/** Connections in the developer dashboard (owned by the SSO/Directory Sync side; filled in separately). */
export function ConnectionsPage({ route }: { route: string }) {
  return (
    <section>
      <h1>Connections</h1>
      <p className="muted">Route: {route}</p>
    </section>
  );
}
