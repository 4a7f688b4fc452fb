export function App() {
  return (
    <main className="center panel">
      <h1>Portico dashboard</h1>
      <p>The dashboard is being built.</p>
    </main>
  );
}
