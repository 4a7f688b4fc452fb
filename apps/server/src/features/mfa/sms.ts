/**
 * Sending SMS codes. `SmsSender` is the seam a real provider (Twilio, Vonage, SNS…) plugs into
 * as an adapter; the default, `DevSmsOutbox`, keeps each message in `sms_messages` (owned here,
 * body sealed with the master key) for the developer to read in the dashboard's API
 * (`GET /_admin/sms_messages`) — nothing leaves the machine.
 */
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';

export interface SmsMessage {
  environmentId: string;
  to: string;
  body: string;
}

export interface SmsSender {
  /** Sends (or queues) the message inside the transaction that created the challenge. */
  send(tx: Queryable, message: SmsMessage): Promise<void>;
}

export class DevSmsOutbox implements SmsSender {
  constructor(private deps: Deps) {}

  async send(tx: Queryable, m: SmsMessage) {
    await tx
      .insertInto('sms_messages')
      .values({
        id: this.deps.ids.next('sms'),
        environment_id: m.environmentId,
        to_number: m.to,
        body_sealed: this.deps.secrets.seal(m.body),
        created_at: this.deps.clock.now().toISOString(),
      })
      .execute();
  }

  /** The newest messages of an environment, opened (the dashboard's dev outbox). */
  async list(env: string, limit = 50) {
    const rows = await this.deps.db
      .selectFrom('sms_messages')
      .selectAll()
      .where('environment_id', '=', env)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      to: r.to_number,
      body: this.deps.secrets.open(r.body_sealed),
      created_at: r.created_at,
    }));
  }
}
