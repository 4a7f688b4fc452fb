/**
 * Datadog Logs intake, API v2 (Datadog "Send logs" — `POST /api/v2/logs`): a JSON array of log
 * entries, authenticated by the `DD-API-KEY` header. Each event is one entry whose `message` is
 * the event's JSON; `ddsource` is `portico`, `service` the stream's (default `portico`), and
 * `ddtags` carries the organization and action so Datadog facets on them.
 */
import { z } from 'zod';
import { httpUrl, name } from './fields.ts';
import { type StreamAdapter, USER_AGENT } from './types.ts';

export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ddog-gov.com',
] as const;

const Config = z.object({
  site: z
    .enum(DATADOG_SITES, { error: `site is one of ${DATADOG_SITES.join(', ')}` })
    .default('datadoghq.com'),
  /** Overrides the intake URL (a proxy, or a test receiver); default `https://http-intake.logs.<site>/api/v2/logs`. */
  endpoint: httpUrl('endpoint').optional(),
  service: name('service', 100).default('portico'),
});
export type DatadogConfig = z.output<typeof Config>;

export const datadog: StreamAdapter<DatadogConfig> = {
  config: Config as unknown as z.ZodType<DatadogConfig>,
  secretLabel: 'Datadog API key',
  build(config, secret, events) {
    const body = JSON.stringify(
      events.map((e) => ({
        ddsource: 'portico',
        service: config.service,
        hostname: 'portico',
        ddtags: `organization_id:${e.organization_id},action:${e.action}`,
        message: JSON.stringify(e),
      })),
    );
    return {
      method: 'POST',
      url: config.endpoint ?? `https://http-intake.logs.${config.site}/api/v2/logs`,
      headers: {
        'content-type': 'application/json',
        'dd-api-key': secret,
        'user-agent': USER_AGENT,
      },
      body,
    };
  },
};
