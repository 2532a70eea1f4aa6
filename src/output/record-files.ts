import {type FileHandle, open} from 'node:fs/promises';
import {join} from 'node:path';
import {writeError} from './output-stream.js';
import type {RecordPipeline, RecordSinks} from './record-pipeline.js';

/**
 * `events.jsonl`, `requests.jsonl` and `vllm.log` of a dataset, open for a {@link RecordPipeline}'s
 * serialising thread to write by descriptor: created in the staging directory `staging`, failures
 * naming the file the user asked for, in `dir`. The descriptors stay this thread's to close.
 */
export class RecordFiles {
	readonly #handles: ReadonlyArray<readonly [FileHandle, string]>;
	readonly sinks: RecordSinks['files'];

	private constructor(handles: ReadonlyArray<readonly [FileHandle, string]>) {
		this.#handles = handles;
		const [events, requests, log] = handles.map(([handle, displayPath]) => ({fd: handle.fd, displayPath}));
		this.sinks = {events: events!, requests: requests!, log: log!};
	}

	static async open(staging: string, dir: string): Promise<RecordFiles> {
		const handles: Array<readonly [FileHandle, string]> = [];
		for (const name of ['events.jsonl', 'requests.jsonl', 'vllm.log'] as const) {
			try {
				handles.push([await open(join(staging, name), 'w'), join(dir, name)]);
			} catch (error) {
				await closeQuietly(handles);
				throw writeError(error, join(dir, name));
			}
		}
		return new RecordFiles(handles);
	}

	/** Close the files once everything is written; a failure (a late write error some file systems report) names the file. */
	async close(): Promise<void> {
		const closed = await Promise.allSettled(this.#handles.map(([handle]) => handle.close()));
		const failed = closed.findIndex(result => result.status === 'rejected');
		if (failed >= 0) throw writeError((closed[failed] as PromiseRejectedResult).reason, this.#handles[failed]![1]);
	}

	/** Close the files, whatever their state; never rejects. */
	async discard(): Promise<void> {
		await closeQuietly(this.#handles);
	}
}

/** Close every handle, whatever its state; never rejects. */
async function closeQuietly(handles: ReadonlyArray<readonly [FileHandle, string]>): Promise<void> {
	await Promise.all(handles.map(([handle]) => handle.close().catch(() => undefined)));
}
