/**
 * Builds audit log exports (features/audit-logs/exports.ts): each pass claims pending exports one
 * at a time (a conditional UPDATE, so several workers never build one twice; a crashed worker's
 * claim lapses after 5 minutes) and streams each once to count and hash its CSV.
 */
import type { AuditExportService } from '../features/audit-logs/exports.ts';
import type { Deps } from '../platform/deps.ts';
import { PollLoop } from './poll-loop.ts';

export class AuditExportWorker {
  private loop: PollLoop;

  constructor(
    deps: Deps,
    private exports: AuditExportService,
  ) {
    this.loop = new PollLoop(deps, 'audit export worker', () => this.tick());
  }

  start() {
    this.loop.start();
  }

  stop() {
    return this.loop.stop();
  }

  tick(): Promise<number> {
    return this.exports.runPending(() => this.loop.stopping);
  }
}
