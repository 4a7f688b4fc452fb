/**
 * The stack most Chromium tests stand on: a Portico harness listening on a free port, the official
 * SDK (8.x) pointed at it with only the host options, the small customer app built on that SDK,
 * and one Chromium. `close()` takes it down in reverse order (close the pages' contexts first).
 */
import type { Browser } from 'playwright-core';
import { WorkOS } from 'workos-node-8';
import { createHarness, freePort, type Harness, listen } from '../../../../apps/server/test/harness.ts';
import { launchChromium } from './browser.ts';
import { type DemoApp, startDemoApp } from './browser-app.ts';

export interface DemoStack {
  h: Harness;
  portico: { port: number; url: string; close(): Promise<void> };
  workos: WorkOS;
  app: DemoApp;
  browser: Browser;
  close(): Promise<void>;
}

export async function startDemoStack(opts: {
  cookiePassword: string;
  /** The host the SDK and the browser use for Portico; WebAuthn needs `localhost`. */
  host?: '127.0.0.1' | 'localhost';
  env?: Record<string, string>;
  acceptUnsolicited?: boolean;
}): Promise<DemoStack> {
  const host = opts.host ?? '127.0.0.1';
  const [porticoPort, appPort] = [await freePort(), await freePort()];
  const h = await createHarness({
    clock: 'system',
    publicUrl: `http://${host}:${porticoPort}`,
    env: { PORTICO_REDIRECT_URIS: `http://127.0.0.1:${appPort}/callback`, ...opts.env },
  });
  const portico = await listen(h, porticoPort);
  const workos = new WorkOS(h.apiKey, {
    apiHostname: host,
    port: porticoPort,
    https: false,
    clientId: h.clientId,
  });
  const app = await startDemoApp({
    workos,
    clientId: h.clientId,
    port: appPort,
    cookiePassword: opts.cookiePassword,
    acceptUnsolicited: opts.acceptUnsolicited,
  });
  const browser = await launchChromium();
  return {
    h,
    portico,
    workos,
    app,
    browser,
    async close() {
      await browser.close().catch(() => {});
      await app.close();
      await portico.close();
      await h.close();
    },
  };
}
