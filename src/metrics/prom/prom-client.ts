import {createRequire} from 'node:module';
import type * as Prom from 'prom-client';

/**
 * The prom-client classes specsim builds on, loaded from their own files. The package's entry point
 * also loads its default process metrics (and with them `@opentelemetry/api`, some fifty files), the
 * Pushgateway (`node:http`, `node:https`) and the summary's t-digest, none of which specsim uses:
 * loading them was a large part of `generate`'s start-up. The files are the ones the entry point
 * loads (one CommonJS module cache), so these are the same classes whichever way they are imported.
 */
const require = createRequire(import.meta.url);

export const Registry: typeof Prom.Registry = require('prom-client/lib/registry');
export type Registry<T extends Prom.RegistryContentType = Prom.PrometheusContentType> = Prom.Registry<T>;
export const Histogram: typeof Prom.Histogram = require('prom-client/lib/histogram');
export type Histogram<T extends string = string> = Prom.Histogram<T>;
