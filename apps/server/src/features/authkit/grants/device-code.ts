/**
 * `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4): a device polls with the
 * device_code of `POST /user_management/authorize/device`. A public client: no client_secret
 * needed. The answers of §3.5 (authorization_pending, slow_down, access_denied, expired_token),
 * then the standard authenticate response (device.ts).
 */
import { z } from 'zod';
import { callerMeta, defineGrant, grantCommon } from './grant.ts';

export const deviceCodeGrant = defineGrant({
  type: 'urn:ietf:params:oauth:grant-type:device_code',
  body: z.object({
    grant_type: z.literal('urn:ietf:params:oauth:grant-type:device_code'),
    ...grantCommon,
    device_code: z.string().min(1).max(512),
  }),
  handle: (b, { client, c, services }) => services.devices.poll(client, b.device_code, callerMeta(c, b)),
});
