/**
 * The one dependency object (DESIGN.md "Request flow"): everything a service needs travels here,
 * so tests can swap the clock, randomness or database without touching module state.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Clock } from './clock.ts';
import type { SecretBox } from './crypto.ts';
import type { Db, Dialect } from './db.ts';
import type { Ids } from './ids.ts';
import type { Random } from './random.ts';

/** DNS lookups (domain verification). Tests pass a fake; the default is node:dns/promises. */
export interface DnsResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

export interface Deps {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  ids: Ids;
  random: Random;
  config: Readonly<Config>;
  log: Logger;
  secrets: SecretBox;
  dns: DnsResolver;
}

/** The environment a request acts in, resolved by the surface (API key or client id). */
export interface EnvContext {
  environmentId: string;
  clientId: string;
}
