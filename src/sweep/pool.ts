/**
 * Run sweep jobs on worker threads. Each job is a pure function of its data, the main thread
 * hands jobs out one at a time and stores every answer at its job's index, so the results are
 * the same for any number of workers. One worker runs the jobs in this thread.
 */
import type {Worker} from 'node:worker_threads';
import {spawnWorker} from '../output/spawn-worker.js';
import {runConfiguration, type RunJob, type RunMeasurement} from './run-config.js';
import type {WorkerRequest, WorkerResponse} from './worker.js';

/** Options of {@link runJobs}. */
export type PoolOptions = {
	/** Worker threads, >= 1; 1 runs in this thread. Never more than there are jobs. */
	readonly workers: number;
	/** Called with 0 before the first job, then after each job completes with the number done so far. */
	readonly onProgress?: (done: number, total: number) => void;
	/** Stop early: pending jobs are dropped, threads terminated, and the promise rejects with the signal's reason. */
	readonly signal?: AbortSignal;
};

/**
 * Run every job and return the measurements in job order.
 *
 * @throws RangeError for a bad worker count; Error with the job's message when a job fails.
 */
export async function runJobs(jobs: readonly RunJob[], options: PoolOptions): Promise<RunMeasurement[]> {
	const {workers, onProgress, signal} = options;
	if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
	if (jobs.length === 0) return [];
	onProgress?.(0, jobs.length);
	if (workers === 1 || jobs.length === 1) {
		const results: RunMeasurement[] = [];
		for (const job of jobs) {
			signal?.throwIfAborted();
			results.push(runConfiguration(job));
			onProgress?.(results.length, jobs.length);
			// Let the event loop breathe (progress bar, signals) between jobs.
			await new Promise<void>(resolve => setImmediate(resolve));
		}
		signal?.throwIfAborted();
		return results;
	}
	signal?.throwIfAborted();
	return runOnThreads(jobs, Math.min(workers, jobs.length), onProgress, signal);
}

function runOnThreads(
	jobs: readonly RunJob[],
	count: number,
	onProgress: PoolOptions['onProgress'],
	signal: AbortSignal | undefined,
): Promise<RunMeasurement[]> {
	const results = new Array<RunMeasurement | undefined>(jobs.length);
	const threads: Worker[] = [];
	let next = 0;
	let done = 0;
	let settled = false;
	return new Promise<RunMeasurement[]>((resolve, reject) => {
		const onAbort = (): void => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
		const finish = (error?: Error): void => {
			if (settled) return;
			settled = true;
			signal?.removeEventListener('abort', onAbort);
			void Promise.all(threads.map(t => t.terminate())).then(() => {
				if (error !== undefined) reject(error);
				else resolve(results as RunMeasurement[]);
			});
		};
		const assign = (thread: Worker): void => {
			if (next >= jobs.length) return;
			const request: WorkerRequest = {id: next, job: jobs[next]!};
			next += 1;
			thread.postMessage(request);
		};
		signal?.addEventListener('abort', onAbort, {once: true});
		for (let i = 0; i < count; i++) {
			const thread = spawnWorker(import.meta.url, 'worker');
			threads.push(thread);
			thread.on('message', (response: WorkerResponse) => {
				if (settled) return;
				if ('error' in response) {
					finish(new Error(`sweep job ${response.id}: ${response.error}`));
					return;
				}
				results[response.id] = response.result;
				done += 1;
				onProgress?.(done, jobs.length);
				if (done === jobs.length) finish();
				else assign(thread);
			});
			thread.on('error', error => finish(error));
			thread.on('exit', code => {
				if (!settled) finish(new Error(`sweep worker exited with code ${code} before finishing`));
			});
			assign(thread);
		}
	});
}
