/** Directories in the developer dashboard (owned by the SSO/Directory Sync side; filled in separately). */
export function DirectoriesPage({ route }: { route: string }) {
  return (
    <section>
      <h1>Directories</h1>
      <p className="muted">Route: {route}</p>
    </section>
  );
}
