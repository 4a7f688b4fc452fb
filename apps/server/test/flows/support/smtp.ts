/**
 * A real SMTP server for the email tests (the `smtp-server` package) on 127.0.0.1 and a free port,
 * requiring AUTH, that parses every message it accepts with `mailparser`. `next` decides how the
 * next DATA is answered: accept (250), a temporary (4xx) or permanent (5xx) refusal, or callbacks
 * run before the reply (a test kills a worker process there).
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export const SMTP_USER = 'portico';
export const SMTP_PASS = 'smtp test password';

export type Reply =
  | { kind: 'accept' }
  | { kind: 'refuse'; code: number; message: string }
  | {
      kind: 'hook';
      run: () => Promise<'accept' | 'drop'> | 'accept' | 'drop';
      /**
       * Runs once the server has stored the message and before its 250 reply goes out: the
       * client cannot have recorded the outcome yet (a test kills the worker here).
       */
      after?: () => void | Promise<void>;
    };

export interface Sink {
  url: string;
  port: number;
  /** Accepted messages, parsed, in order. */
  messages: ParsedMail[];
  /** DATA commands received (accepted or not). */
  attempts: number;
  /** Replies for the next DATA commands, consumed in order; then every message is accepted. */
  replies: Reply[];
  /** Resolves once `n` messages have been accepted. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<Sink> {
  const sink = {
    messages: [] as ParsedMail[],
    attempts: 0,
    replies: [] as Reply[],
  } as Sink;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        sink.attempts += 1;
        const reply = sink.replies.shift() ?? { kind: 'accept' };
        if (reply.kind === 'refuse') {
          cb(Object.assign(new Error(reply.message), { responseCode: reply.code }));
          return;
        }
        if (reply.kind === 'hook' && (await reply.run()) === 'drop') return; // no reply at all
        sink.messages.push(await simpleParser(Buffer.concat(chunks)));
        if (reply.kind === 'hook') await reply.after?.();
        cb(null, `OK: queued as m${sink.messages.length}`);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  sink.port = port;
  sink.url = `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${port}`;
  sink.waitFor = async (n, timeoutMs = 20_000) => {
    const until = Date.now() + timeoutMs;
    while (sink.messages.length < n) {
      if (Date.now() > until) throw new Error(`only ${sink.messages.length} of ${n} messages arrived`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  sink.close = () => new Promise<void>((r) => server.close(() => r()));
  return sink;
}
