/**
 * Splunk HTTP Event Collector (Splunk "Format events for HTTP Event Collector"): `POST
 * <url>/services/collector/event` with `Authorization: Splunk <token>`, the body being event
 * objects `{"time":…,"event":{…},"sourcetype":…}` one after another (Portico puts a newline
 * between them). `time` is the event's `occurred_at` in epoch seconds with milliseconds.
 */
import { z } from 'zod';
import { httpUrl, name } from './fields.ts';
import { type StreamAdapter, USER_AGENT } from './types.ts';

const Config = z.object({
  /** The HEC base URL, such as https://splunk.example.com:8088 (no /services/collector). */
  url: httpUrl('url'),
  index: name('index', 80).optional(),
  sourcetype: name('sourcetype', 100).default('portico:audit_log'),
  source: name('source', 100).default('portico'),
});
export type SplunkConfig = z.output<typeof Config>;

export const splunk: StreamAdapter<SplunkConfig> = {
  config: Config as unknown as z.ZodType<SplunkConfig>,
  secretLabel: 'Splunk HEC token',
  build(config, secret, events) {
    const body = events
      .map((e) =>
        JSON.stringify({
          time: Date.parse(e.occurred_at) / 1000,
          host: 'portico',
          source: config.source,
          sourcetype: config.sourcetype,
          ...(config.index ? { index: config.index } : {}),
          event: e,
        }),
      )
      .join('\n');
    return {
      method: 'POST',
      url: `${config.url.replace(/\/+$/, '')}/services/collector/event`,
      headers: {
        'content-type': 'application/json',
        authorization: `Splunk ${secret}`,
        'user-agent': USER_AGENT,
      },
      body,
    };
  },
};
