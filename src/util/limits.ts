/**
 * Documented upper bounds on the numbers a user can give (flags, preset fields, replayed event
 * streams), so that every run does bounded work per virtual second and an absurd number is a
 * one-line error instead of a run that exhausts memory or never makes progress. Each bound is far
 * above what a real deployment uses; the README's "Limits" table lists them.
 */

/**
 * Data-parallel engines in one simulated process (`--engines`, `engines.count`, `engine` in an
 * event stream). vLLM deployments use data-parallel sizes up to a few dozen ranks per model.
 */
export const MAX_ENGINES = 64;

/**
 * Arrival rate in requests per virtual second (`--qps`, `workload.arrival.rate`). One simulated
 * H100 serves tens of requests per second; beyond this the run only queues requests.
 */
export const MAX_QPS = 10_000;

/** Users of a closed-loop workload (`workload.arrival.users`): each keeps one request in flight. */
export const MAX_USERS = 100_000;

/** The longest virtual duration accepted (`--duration`, and any other duration flag): 30 days. */
export const MAX_DURATION_S = 30 * 86_400;

/**
 * The shortest SpecDecoding log interval (`--log-interval`, `logging.intervalS`). vLLM's default
 * is 10 s; a shorter interval than this only multiplies identical-looking lines.
 */
export const MIN_LOG_INTERVAL_S = 0.1;

/**
 * The shortest interval between `generate`'s timestamped scrapes (`--scrape-interval`). Prometheus
 * scrapes every 15 s by default; each scrape writes every series again, so a shorter interval than
 * this only multiplies near-identical samples (and the file's size) without bound.
 */
export const MIN_SCRAPE_INTERVAL_S = 0.1;

/**
 * The largest `--seed`: 2^53 - 1, the largest integer a JavaScript number holds exactly (above it
 * distinct decimal seeds would collapse to the same number and so to the same random streams).
 */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * The most tokens one request may name (`prompt_tokens`, `output_tokens` and `turn` in a `--trace`
 * line). The longest context windows served today are about 10 million tokens; a request longer
 * than `maxModelLen` is clamped to it anyway, so a bigger number is a typo or a corrupt line,
 * never a workload. (A conversation turn adds at least one token, so no turn beyond this fits.)
 */
export const MAX_REQUEST_TOKENS = 10_000_000;

/**
 * The longest line read from a JSONL or text input (`replay`'s event stream, `calibrate`'s
 * inputs): 1 Mi characters. A real record is a few hundred characters; without a bound, a large
 * file with no newline (a binary or a minified blob given by mistake) would be read whole into
 * memory before the first error could be reported.
 */
export const MAX_LINE_CHARS = 1_048_576;

/**
 * The most requests a `--trace` file may hold: 5 million lines. The trace is kept in memory for the
 * run (and for the dashboard's reset), about a hundred bytes a line; the largest public serving
 * traces hold a few million requests, so a longer file is the wrong file or needs splitting.
 */
export const MAX_TRACE_LINES = 5_000_000;
