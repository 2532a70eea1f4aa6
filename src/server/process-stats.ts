import {readdirSync, readFileSync} from 'node:fs';
import type {ProcessStats} from '../metrics/prom/server-prom.js';

/** Linux's `USER_HZ` (`sysconf(_SC_CLK_TCK)`), 100 on every mainstream architecture. */
const CLOCK_TICKS = 100;
/** The page size `/proc/<pid>/stat`'s rss is counted in (4 KiB on x86-64 and most arm64 kernels). */
const PAGE_SIZE = 4096;

let bootTimeS: number | undefined;

/**
 * This process's figures read the way prometheus_client's `ProcessCollector` reads them, from
 * `/proc/self/stat` (virtual memory, resident pages, start time in ticks after boot, user and
 * system ticks), `/proc/stat` (`btime`), `/proc/self/limits` and `/proc/self/fd`. Undefined
 * where there is no `/proc` (macOS, Windows): prometheus_client then exposes no `process_*`
 * family either.
 */
export function readProcessStats(): ProcessStats | undefined {
	try {
		bootTimeS ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1]);
		const stat = readFileSync('/proc/self/stat', 'latin1');
		const parts = stat
			.slice(stat.lastIndexOf(')') + 1)
			.trim()
			.split(/\s+/);
		const limits = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1];
		return {
			virtualMemoryBytes: Number(parts[20]),
			residentMemoryBytes: Number(parts[21]) * PAGE_SIZE,
			startTimeS: Number(parts[19]) / CLOCK_TICKS + bootTimeS,
			cpuSeconds: Number(parts[11]) / CLOCK_TICKS + Number(parts[12]) / CLOCK_TICKS,
			openFds: readdirSync('/proc/self/fd').length,
			maxFds: limits === 'unlimited' || limits === undefined ? Number.POSITIVE_INFINITY : Number(limits),
		};
	} catch {
		return undefined;
	}
}
