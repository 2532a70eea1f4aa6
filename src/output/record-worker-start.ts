import type {Worker} from 'node:worker_threads';
import {spawnWorker} from './spawn-worker.js';

/** A record serialising thread (`record-worker.ts`) started ahead of its pipeline, and what happened to it meanwhile. */
export type StartedRecordWorker = {readonly worker: Worker; readonly failure: () => unknown};

let early: (StartedRecordWorker & {readonly release: () => void}) | undefined;

/**
 * Start `generate`'s record serialising thread now, before the command's modules are loaded: a
 * worker thread takes tens of milliseconds to start (a new V8 isolate, Node's bootstrap, its
 * modules), on the other core while this thread loads and validates; started with its pipeline
 * instead, `generate --duration 1s` waited for it at the end. It holds no file until its pipeline
 * sends the descriptors, and it keeps the process alive only once a pipeline takes it
 * ({@link takeRecordWorker}); {@link stopUnusedRecordWorker} ends it if none did (a usage error).
 */
export function startRecordWorkerEarly(): Worker {
	if (early !== undefined) return early.worker;
	const worker = spawnWorker(import.meta.url, 'record-worker');
	worker.unref();
	let failure: unknown;
	// Until a pipeline listens: an 'error' event with no listener would be an uncaught exception.
	const onError = (error: unknown): void => {
		failure ??= error;
	};
	const onExit = (code: number): void => {
		failure ??= new Error(`the record serialising thread exited with code ${code}`);
	};
	worker.on('error', onError);
	worker.on('exit', onExit);
	early = {
		worker,
		failure: () => failure,
		release() {
			worker.off('error', onError);
			worker.off('exit', onExit);
		},
	};
	return worker;
}

/**
 * The thread {@link startRecordWorkerEarly} started (with any failure it had meanwhile; its
 * listeners removed, so the caller attaches its own first), or a new one; it keeps the process alive.
 */
export function takeRecordWorker(): StartedRecordWorker {
	const taken = early;
	early = undefined;
	if (taken === undefined) return {worker: spawnWorker(import.meta.url, 'record-worker'), failure: () => undefined};
	taken.release();
	taken.worker.ref();
	return taken;
}

/** End the thread {@link startRecordWorkerEarly} started if no pipeline took it. */
export async function stopUnusedRecordWorker(): Promise<void> {
	const unused = early;
	early = undefined;
	if (unused === undefined) return;
	await unused.worker.terminate();
	unused.release();
}
