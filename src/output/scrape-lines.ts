import {floatToGoString, formatPythonRepr} from '../util/py-format.js';
import {LineBuffer} from './line-buffer.js';

/**
 * What `OpenMetricsScraper` emits for `metrics.om`: per series (identified by its spool's id) the
 * text around its values, defined once and again whenever the registry changes its samples, then
 * per scrape only numbers. {@link ScrapeLines} turns them into the spool files' bytes at once (on
 * `generate`'s serialising thread, or on the writer's own in tests and benches).
 */
export interface ScrapeFrames {
	/** (Re)define a series: the text before each sample's value (`name{labels} `), and its `_created` line without timestamp. */
	series(spoolId: number, prefixes: readonly string[], created: string | undefined): void;
	/** Start a scrape: every line until the next one is stamped `timestampS`. */
	scrape(timestampS: number): void;
	/** The values of a series' first `count` lines, in this scrape. */
	values(spoolId: number, values: ArrayLike<number>, count: number): void;
}

/**
 * Rendered scrape bytes held before they go to the spool files (here, or on the serialising thread
 * before they are sent back): each write costs a system call per series, so they go out in bulk.
 */
export const SPOOL_BUFFER_BYTES = 1 << 20;

/** A scrape's spool bytes: series `ids[i]` gets `bytes[ends[i-1] .. ends[i])`. */
export type SpoolBytes = {readonly ids: Int32Array; readonly ends: Int32Array; readonly bytes: Uint8Array};

type Series = {prefixes: Uint8Array[]; created: Uint8Array | undefined; readonly out: LineBuffer};

/**
 * Renders {@link ScrapeFrames} into the bytes each series' spool file gets, held per series until
 * {@link take}: `prefix + value + ' ' + timestamp + '\n'` per sample, values as prometheus_client
 * prints them (`floatToGoString`), the timestamp as Python's `repr`. Prefixes are encoded to UTF-8
 * once per definition, and the common values (counts) are written digit by digit.
 */
export class ScrapeLines implements ScrapeFrames {
	readonly #series: Array<Series | undefined> = [];
	#timestamp: Uint8Array = Buffer.from(' 0.0\n');
	#pendingBytes = 0;

	/** Bytes rendered and not yet taken. */
	get pendingBytes(): number {
		return this.#pendingBytes;
	}

	series(spoolId: number, prefixes: readonly string[], created: string | undefined): void {
		const encoded = prefixes.map(prefix => Buffer.from(prefix, 'utf8'));
		const createdBytes = created === undefined ? undefined : Buffer.from(created, 'utf8');
		const existing = this.#series[spoolId];
		if (existing === undefined) this.#series[spoolId] = {prefixes: encoded, created: createdBytes, out: new LineBuffer(256)};
		else {
			existing.prefixes = encoded;
			existing.created = createdBytes;
		}
	}

	scrape(timestampS: number): void {
		this.#timestamp = Buffer.from(` ${formatPythonRepr(timestampS)}\n`, 'latin1');
	}

	values(spoolId: number, values: ArrayLike<number>, count: number): void {
		const series = this.#series[spoolId];
		if (series === undefined) throw new RangeError(`metrics.om scrape: series ${spoolId} was never defined`);
		const {out, prefixes} = series;
		const timestamp = this.#timestamp;
		const before = out.length;
		for (let i = 0; i < count; i++) {
			out.bytes(prefixes[i]!);
			writeGoFloat(out, values[i]!);
			out.bytes(timestamp);
		}
		if (series.created !== undefined) out.bytes(series.created).bytes(timestamp);
		this.#pendingBytes += out.length - before;
	}

	/** The bytes rendered since the last take, series by series (in one buffer of its own, transferable). */
	take(): SpoolBytes {
		let numSeries = 0;
		for (const series of this.#series) if (series !== undefined && series.out.length > 0) numSeries++;
		const ids = new Int32Array(numSeries);
		const ends = new Int32Array(numSeries);
		const bytes = Buffer.allocUnsafeSlow(this.#pendingBytes);
		let at = 0;
		let n = 0;
		for (const [id, series] of this.#series.entries()) {
			if (series === undefined || series.out.length === 0) continue;
			at = series.out.moveTo(bytes, at);
			ids[n] = id;
			ends[n++] = at;
		}
		this.#pendingBytes = 0;
		return {ids, ends, bytes};
	}
}

/**
 * `floatToGoString(x)` into `out`, the values most samples hold (counts: integers from 0 below a
 * million, which print as `<digits>.0`) without making a string.
 */
function writeGoFloat(out: LineBuffer, x: number): void {
	if (Number.isInteger(x) && x < 1e6 && (x > 0 || (x === 0 && !Object.is(x, -0)))) out.number(x).byte(46).byte(48);
	else out.ascii(floatToGoString(x));
}
