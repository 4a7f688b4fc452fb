/** Machine description, the printed table and the dated section appended to bench/RESULTS.md. */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import type { LoadResult } from './load.ts';

export interface Machine {
  date: string;
  cores: string;
  cpu: string;
  node: string;
  kernel: string;
  commit: string;
}

function sh(cmd: string, args: string[], fallback: string) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5_000 }).trim();
  } catch {
    return fallback;
  }
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {}
  return {
    date: sh('date', ['-u', '+%Y-%m-%d %H:%M UTC'], new Date().toISOString()),
    cores: sh('nproc', [], String(cpus().length)),
    cpu,
    node: process.version,
    kernel: `Linux ${release()}`,
    commit: sh('git', ['rev-parse', '--short', 'HEAD'], 'unknown'),
  };
}

export interface Ceiling {
  perSecond: number;
  signs: number;
  seconds: number;
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  cpuSeconds: number;
  /** CPU used by other processes while it ran (filled in by run.ts). */
  otherCores?: number;
}

export interface Target {
  name: string;
  measured: string;
  met: boolean;
}

export interface Report {
  title: string;
  machine: Machine;
  command: string;
  settings: string;
  rows: LoadResult[];
  ceilings: { label: string; c: Ceiling }[];
  targets: Target[];
  targetsTitle: string;
  notes: string[];
}

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => (v >= 100 ? String(Math.round(v)) : v.toFixed(1).replace(/\.0$/, ''));

export function tableMarkdown(r: Report): string {
  const lines = [
    '| Scenario | Conns | Requests | req/s | p50 ms | p90 ms | p99 ms | non-2xx | errors | server CPU | PostgreSQL CPU | load-gen CPU | other CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const x of r.rows) {
    lines.push(
      `| ${x.name} | ${x.connections} | ${n(x.requests)} | **${n(x.perSecond)}** | ${ms(x.p50)} | ${ms(x.p90)} | ${ms(x.p99)} | ${n(x.non2xx)} | ${n(x.errors + x.timeouts)} | ${x.serverCores.toFixed(2)} | ${Number.isNaN(x.dbCores) ? '–' : x.dbCores.toFixed(2)} | ${x.loadgenCores.toFixed(2)} | ${x.otherCores.toFixed(2)} |`,
    );
  }
  for (const { label, c } of r.ceilings) {
    lines.push(
      `| ${label} | ${c.concurrency} in flight | ${n(c.signs)} | **${n(c.perSecond)}** | ${ms(c.p50Ms)} | – | ${ms(c.p99Ms)} | – | – | ${(c.cpuSeconds / c.seconds).toFixed(2)} | – | – | ${c.otherCores?.toFixed(2) ?? '–'} |`,
    );
  }
  return lines.join('\n');
}

export function sectionMarkdown(r: Report): string {
  const m = r.machine;
  const out = [
    `## ${m.date} — ${r.title}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server: ${m.commit}.`,
    `Command: \`${r.command}\`. ${r.settings}`,
    '',
    tableMarkdown(r),
    '',
    `| ${r.targetsTitle} | Measured | Met |`,
    '| --- | --- | --- |',
    ...r.targets.map((t) => `| ${t.name} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`),
    '',
  ];
  if (r.notes.length) out.push(...r.notes.map((x) => `- ${x}`), '');
  return out.join('\n');
}

const HEADER = `# Benchmark results

Produced by \`npm run bench\` (\`node --import tsx bench/run.ts\`); each run appends a dated section.
See [README.md](README.md) in this folder for what each scenario does and how to read the figures.

The machine that produced these runs has 2 cores shared by the load generator (autocannon, in the
bench process) and the server (one child process), so absolute figures are modest; compare the
ratios measured within the same run.
`;

export function appendResults(file: string, section: string) {
  if (!existsSync(file)) writeFileSync(file, `${HEADER}\n`);
  appendFileSync(file, `${section}\n`);
}

/** The scenarios of one run as a markdown table, each against the first row (the baseline). */
export function loadTable(rows: LoadResult[]): string {
  const base = rows[0]!.perSecond;
  return [
    '| Scenario | Conns | req/s | vs baseline | p50 ms | p99 ms | non-2xx | server CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.connections} | **${r.perSecond.toLocaleString('en-US')}** | ${(r.perSecond / base).toFixed(2)} × | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.serverCores.toFixed(2)} |`,
    ),
  ].join('\n');
}
