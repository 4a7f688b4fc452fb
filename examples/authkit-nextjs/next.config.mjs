import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {import('next').NextConfig} */
const nextConfig = {
  // This app has its own package-lock.json inside the Portico repository: it is its own root.
  outputFileTracingRoot: dirname(fileURLToPath(import.meta.url)),
  // No ESLint set-up is installed here; `next build` still type-checks.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
