/**
 * Builds audit log exports (features/audit-logs/exports.ts): each pass claims pending exports one
 * at a time (a conditional UPDATE, so several workers never build one twice; a crashed worker's
 * claim lapses after 5 minutes) and streams each once to count and hash its CSV; then projects
 * the outbox into the chains of the environments that record platform audit events
 * (features/audit-logs/platform.ts).
 */
import type { AuditExportService } from '../features/audit-logs/exports.ts';
import type { PlatformAuditService } from '../features/audit-logs/platform.ts';
import type { Deps } from '../platform/deps.ts';
import { PollLoop } from './poll-loop.ts';

export class AuditExportWorker {
  private loop: PollLoop;

  constructor(
    deps: Deps,
    private exports: AuditExportService,
    private platform: PlatformAuditService,
  ) {
    this.loop = new PollLoop(deps, 'audit export worker', () => this.tick());
  }

  start() {
    this.loop.start();
  }

  stop() {
    return this.loop.stop();
  }

  async tick(): Promise<number> {
    const stopping = () => this.loop.stopping;
    return (await this.exports.runPending(stopping)) + (await this.platform.project(stopping));
  }
}
