/**
 * The CLI runs React (through Ink) in its production build unless the user set `NODE_ENV`.
 * React's development build records a `performance.measure` entry for every component render
 * (its "performance tracks"), and Node keeps every entry in its performance timeline until
 * someone clears it: the live dashboard's heap grew by about 1 MB per second of wall time, without
 * bound. `cli.ts` imports this module first, so it runs before anything loads React (which reads
 * `NODE_ENV` once, when it is first loaded).
 */
process.env['NODE_ENV'] ??= 'production';
