/**
 * Local receivers for audit log streams, each parsing its destination's real intake format on
 * 127.0.0.1 and refusing what the real one would:
 * - Datadog Logs v2 (`POST /api/v2/logs`): a JSON array of `{ddsource, service, message…}`;
 *   403 without the right `DD-API-KEY`.
 * - Splunk HEC (`POST /services/collector/event`): event objects concatenated one after another;
 *   401 `{"text":"Invalid token","code":4}` without `Authorization: Splunk <token>`.
 * - Signed HTTP POST: `{"object":"list","data":[…]}`; 401 unless `WorkOS-Signature` verifies
 *   (HMAC-SHA256 of "<t>.<body>" computed here, independently of Portico's code).
 * Each can answer 503 (with Retry-After) or stop listening altogether, to stage an outage.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedEvent {
  id: string;
  seq: number;
  action: string;
  organization_id: string;
  hash: string | null;
  [k: string]: unknown;
}

export type Mode = 'ok' | 'unavailable';

export abstract class Intake {
  server: Server | null = null;
  mode: Mode = 'ok';
  /** Every request, accepted or not: its status and the seqs it carried. */
  requests: { status: number; seqs: number[] }[] = [];
  /** Events of accepted requests, in arrival order (duplicates kept, to count them). */
  events: ReceivedEvent[] = [];

  constructor(public port: number) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return new Promise((r) => server.listen(this.port, '127.0.0.1', () => r()));
  }

  /** Stops listening: connections are refused until start() again. */
  stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let status = 200;
    let answer: unknown = {};
    let events: ReceivedEvent[] = [];
    try {
      if (this.mode === 'unavailable') {
        status = 503;
        answer = { error: 'intake unavailable' };
        res.setHeader('retry-after', '2');
      } else {
        const r = this.accept(req, body);
        status = r.status;
        answer = r.answer;
        events = r.events;
      }
    } catch (err) {
      status = 400;
      answer = { error: `unparsable body: ${(err as Error).message}` };
    }
    this.requests.push({ status, seqs: events.map((e) => e.seq) });
    if (status >= 200 && status < 300) this.events.push(...events);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  }

  protected abstract accept(
    req: IncomingMessage,
    body: string,
  ): { status: number; answer: unknown; events: ReceivedEvent[] };
}

export class DatadogIntake extends Intake {
  constructor(
    port: number,
    private apiKey: string,
  ) {
    super(port);
  }

  get endpoint() {
    return `${this.url}/api/v2/logs`;
  }

  protected accept(req: IncomingMessage, body: string) {
    if (req.method !== 'POST' || req.url !== '/api/v2/logs')
      return { status: 404, answer: { errors: ['not found'] }, events: [] };
    if (req.headers['dd-api-key'] !== this.apiKey)
      return { status: 403, answer: { errors: ['Forbidden'] }, events: [] };
    if (!String(req.headers['content-type']).startsWith('application/json'))
      return { status: 400, answer: { errors: ['content-type'] }, events: [] };
    const entries = JSON.parse(body) as {
      ddsource: string;
      service: string;
      ddtags: string;
      message: string;
    }[];
    if (!Array.isArray(entries)) throw new Error('not an array');
    const events = entries.map((e) => {
      if (e.ddsource !== 'portico' || typeof e.service !== 'string' || typeof e.message !== 'string')
        throw new Error('entry without ddsource/service/message');
      return JSON.parse(e.message) as ReceivedEvent;
    });
    return { status: 202, answer: {}, events };
  }
}

/** Splits concatenated JSON values (`{…}{…}` or `{…}\n{…}`), as HEC reads them. */
export function concatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(ch)) throw new Error(`unexpected ${ch} between events`);
  }
  if (depth !== 0) throw new Error('truncated event');
  return out;
}

export class SplunkIntake extends Intake {
  constructor(
    port: number,
    private token: string,
  ) {
    super(port);
  }

  protected accept(req: IncomingMessage, body: string) {
    if (req.method !== 'POST' || req.url !== '/services/collector/event')
      return {
        status: 404,
        answer: { text: 'The requested URL was not found on this server.', code: 404 },
        events: [],
      };
    if (req.headers.authorization !== `Splunk ${this.token}`)
      return { status: 401, answer: { text: 'Invalid token', code: 4 }, events: [] };
    const items = concatenatedJson(body) as { time: number; event: ReceivedEvent; sourcetype: string }[];
    if (items.length === 0) return { status: 400, answer: { text: 'No data', code: 5 }, events: [] };
    for (const it of items)
      if (typeof it.time !== 'number' || typeof it.event !== 'object' || !it.sourcetype)
        return { status: 400, answer: { text: 'Event field is required', code: 12 }, events: [] };
    return { status: 200, answer: { text: 'Success', code: 0 }, events: items.map((i) => i.event) };
  }
}

export class SignedHttpIntake extends Intake {
  constructor(
    port: number,
    private secret: string,
  ) {
    super(port);
  }

  protected accept(req: IncomingMessage, body: string) {
    const header = String(req.headers['workos-signature'] ?? '');
    const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(header);
    if (!m) return { status: 401, answer: { error: 'no signature' }, events: [] };
    const expected = createHmac('sha256', this.secret).update(`${m[1]}.${body}`).digest();
    if (!timingSafeEqual(expected, Buffer.from(m[2]!, 'hex')))
      return { status: 401, answer: { error: 'bad signature' }, events: [] };
    const parsed = JSON.parse(body) as { object: string; data: ReceivedEvent[] };
    if (parsed.object !== 'list' || !Array.isArray(parsed.data)) throw new Error('not a list');
    return { status: 200, answer: { ok: true }, events: parsed.data };
  }
}
