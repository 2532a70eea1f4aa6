import {UserError} from '../util/user-error.js';

/** A date, optionally a time of day with seconds and a fraction, and then a zone (`Z`, `+02:00`, `-0500`). */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** The earliest `--start`: Unix time 0 (a Prometheus sample's timestamp before it is negative). */
const MIN_START_MS = 0;
/** The latest `--start`: a run of the longest duration (30 days) still ends in a four-digit year. */
const MAX_START_MS = Date.UTC(9999, 11, 1);

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Read `--start`, the wall-clock time of virtual time 0, as milliseconds since the epoch.
 *
 * Only ISO 8601 is read, and a time of day must carry its zone: JavaScript's `Date.parse` also
 * takes `1` (2001-01-01), `Dec 25 2026` and times without a zone, which it reads in this machine's
 * local time, so the same flags would write different timestamps on another machine. A date alone
 * is midnight UTC, as ISO 8601 and `Date.parse` agree.
 *
 * @throws UserError naming the flag and saying what is wrong.
 */
export function parseStartTime(text: string, flag = '--start'): number {
	const m = ISO_8601.exec(text.trim());
	const expected = `${flag} must be an ISO 8601 time such as 2026-01-01T00:00:00Z`;
	if (m === null) throw new UserError(`${expected}, got "${text}"`);
	const [, y, mo, d, h, mi, s, fraction, zone] = m;
	const year = Number(y);
	const month = Number(mo);
	const day = Number(d);
	const hour = Number(h ?? 0);
	const minute = Number(mi ?? 0);
	const second = Number(s ?? 0);
	if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59)
		throw new UserError(`${expected}, got "${text}" (no such date or time of day)`);
	if (h !== undefined && zone === undefined)
		throw new UserError(
			`${flag} "${text}" has no time zone: add Z for UTC or an offset such as +02:00 (read in this machine's zone, the same flags would give other timestamps elsewhere)`,
		);
	const range = `${flag} must be from 1970-01-01T00:00:00Z to 9999-12-01T00:00:00Z, got "${text}"`;
	if (year < 1970) throw new UserError(range); // also keeps Date.UTC from reading 0070 as 1970
	let offsetMin = 0;
	if (zone !== undefined && zone.toUpperCase() !== 'Z') {
		const digits = zone.replace(':', '');
		const hours = Number(digits.slice(1, 3));
		const minutes = Number(digits.slice(3, 5));
		if (hours > 23 || minutes > 59) throw new UserError(`${expected}, got "${text}" (no such zone offset)`);
		offsetMin = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
	}
	const ms = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(Number(`0${fraction ?? ''}`) * 1000)) - offsetMin * 60_000;
	if (ms < MIN_START_MS || ms > MAX_START_MS) throw new UserError(range);
	return ms;
}
