export function App() {
  return (
    <main className="center panel">
      <h1>Admin Portal</h1>
      <p>The Admin Portal is being built.</p>
    </main>
  );
}
