#!/usr/bin/env node
// The `portico` command: loads the TypeScript entry point through tsx in this same process (no
// build step, and signals such as SIGTERM reach the server directly).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
