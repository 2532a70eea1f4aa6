/**
 * Worker-thread entry of `specsim sweep`: runs one {@link RunJob} per message and answers with
 * its measurement (or the error's message). The main thread assigns jobs and orders the answers
 * by id, so results do not depend on how many workers there are.
 */
import {parentPort} from 'node:worker_threads';
import {runConfiguration, type RunJob, type RunMeasurement} from './run-config.js';

/** A job sent to a worker. */
export type WorkerRequest = {readonly id: number; readonly job: RunJob};
/** A worker's answer. */
export type WorkerResponse = {readonly id: number; readonly result: RunMeasurement} | {readonly id: number; readonly error: string};

const port = parentPort;
if (port !== null) {
	port.on('message', (request: WorkerRequest) => {
		let response: WorkerResponse;
		try {
			response = {id: request.id, result: runConfiguration(request.job)};
		} catch (error) {
			response = {id: request.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error)};
		}
		port.postMessage(response);
	});
}
