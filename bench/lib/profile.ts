/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package, and
 * inclusive time of the server's own functions. Used by `bench/run.ts --profile`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (!url) return '(native/vm)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  // The server may run from a snapshot under bench/.snapshot/<sha>/, so look for apps/ first.
  const server = /\/(apps\/[^/]+\/[^/]+\/[^/?]+)/.exec(url);
  if (server) return server[1]!;
  const other = /\/((?:packages|bench)\/[^/?]+)/.exec(url);
  return other ? other[1]! : url;
}

function label(n: ProfileNode) {
  const f = n.callFrame;
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|apps|packages)\//, '$1/');
  // tsx-compiled files report line 0 for everything; print a line only when it means something.
  const line = f.lineNumber > 0 ? `:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${file ? `${file}${line}` : ''}`.trim();
}

/**
 * `windows` (optional) limits the summary to samples taken inside these [start, end] intervals of
 * the monotonic clock in µs (`process.hrtime.bigint() / 1000n`, the clock V8 stamps samples with).
 */
export function summariseProfile(file: string, top = 25, windows: [number, number][] = []): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (windows.length && !windows.some(([a, b]) => at >= a && at <= b)) continue;
    const dt = (p.timeDeltas[i] ?? 0) / 1000; // µs → ms
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const w = node.callFrame.url ? where(node.callFrame.url) : node.callFrame.functionName;
    pkg.set(w, (pkg.get(w) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id, hops = 0; id !== undefined && hops < 500; hops++) {
      const a = byId.get(id)!;
      if (/\/apps\/server\//.test(a.callFrame.url)) {
        const k = label(a);
        if (!seen.has(k)) {
          seen.add(k);
          inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
        }
      }
      id = parent.get(id);
    }
  }
  const busy = total - idle;
  const fmt = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(
        ([name, t]) =>
          `  ${((100 * t) / busy).toFixed(1).padStart(5)} %  ${t.toFixed(0).padStart(7)} ms  ${name}`,
      )
      .join('\n');
  return [
    `profile ${file}${windows.length ? ` (measured phases only: ${windows.length} window(s))` : ''}`,
    `  sampled ${(total / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (${((100 * busy) / total).toFixed(0)} %), percentages are of busy time`,
    '',
    'self time by package:',
    fmt(pkg, 15),
    '',
    `self time, top ${top} functions:`,
    fmt(self, top),
    '',
    'inclusive time of server functions (apps/server):',
    fmt(inclusive, top),
  ].join('\n');
}
