/**
 * The generic destination: `POST <url>` with the batch as JSON (`{"object":"list","data":[…]}`),
 * signed exactly like Portico's webhooks — `WorkOS-Signature: t=<ms>, v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` with the stream's secret — so a receiver can reuse its webhook verification.
 */
import { z } from 'zod';
import { signature } from '../../../jobs/webhook-worker.ts';
import { httpUrl } from './fields.ts';
import { type StreamAdapter, USER_AGENT } from './types.ts';

const Config = z.object({ url: httpUrl('url') });
export type HttpConfig = z.output<typeof Config>;

export const httpPost: StreamAdapter<HttpConfig> = {
  config: Config as unknown as z.ZodType<HttpConfig>,
  secretLabel: 'signing secret',
  build(config, secret, events, now) {
    const body = JSON.stringify({ object: 'list', data: events });
    return {
      method: 'POST',
      url: config.url,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'workos-signature': signature(secret, now.getTime(), body),
      },
      body,
    };
  },
};
