import {Deque} from './deque.js';
import type {SimRequest} from './request.js';

/** vLLM's `--scheduling-policy`. */
export type SchedulingPolicy = 'fcfs' | 'priority';

/**
 * The waiting queue of one scheduler (vLLM's `RequestQueue`): arrivals are added, preempted
 * requests prepended, the scheduler peeks and pops the next request to admit. A policy is a queue
 * order plus a choice of preemption victim (see {@link Scheduler}).
 */
export type RequestQueue = {
	readonly size: number;
	/** An arriving request. */
	add(request: SimRequest): void;
	/** A preempted request, to be admitted again before the others (FCFS) or in its order (priority). */
	prepend(request: SimRequest): void;
	peek(): SimRequest | undefined;
	pop(): SimRequest | undefined;
	/** Remove a queued request (abort); false if it is not queued. */
	remove(request: SimRequest): boolean;
	[Symbol.iterator](): Iterator<SimRequest>;
};

/** First come, first served: a ring buffer, O(1) at both ends (vLLM's `FCFSRequestQueue`). */
export class FcfsQueue implements RequestQueue {
	#deque = new Deque<SimRequest>();

	get size(): number {
		return this.#deque.size;
	}

	add(request: SimRequest): void {
		this.#deque.pushBack(request);
	}

	prepend(request: SimRequest): void {
		this.#deque.pushFront(request);
	}

	peek(): SimRequest | undefined {
		return this.#deque.peekFront();
	}

	pop(): SimRequest | undefined {
		return this.#deque.popFront();
	}

	remove(request: SimRequest): boolean {
		return this.#deque.remove(request);
	}

	[Symbol.iterator](): Iterator<SimRequest> {
		return this.#deque[Symbol.iterator]();
	}
}

/**
 * Priority order (vLLM's `PriorityRequestQueue`): lowest `(priority, arrivalAt, id)` first, a
 * binary heap, O(log n) per operation. A preempted request goes back into the heap at its own
 * rank, as in vLLM.
 */
export class PriorityQueue implements RequestQueue {
	#heap: SimRequest[] = [];

	get size(): number {
		return this.#heap.length;
	}

	add(request: SimRequest): void {
		this.#heap.push(request);
		this.#siftUp(this.#heap.length - 1, request);
	}

	prepend(request: SimRequest): void {
		this.add(request);
	}

	peek(): SimRequest | undefined {
		return this.#heap[0];
	}

	pop(): SimRequest | undefined {
		const heap = this.#heap;
		const top = heap[0];
		const last = heap.pop();
		if (heap.length > 0 && last !== undefined) this.#siftDown(0, last);
		return top;
	}

	remove(request: SimRequest): boolean {
		const heap = this.#heap;
		const i = heap.indexOf(request);
		if (i < 0) return false;
		const last = heap.pop()!;
		if (i < heap.length) {
			this.#siftDown(i, last);
			this.#siftUp(i, heap[i]!); // the moved element may also need to go up
		}
		return true;
	}

	*[Symbol.iterator](): Iterator<SimRequest> {
		yield* [...this.#heap].sort((a, b) => (before(a, b) ? -1 : 1));
	}

	#siftUp(start: number, item: SimRequest): void {
		const heap = this.#heap;
		let i = start;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!before(item, heap[parent]!)) break;
			heap[i] = heap[parent]!;
			i = parent;
		}
		heap[i] = item;
	}

	#siftDown(start: number, item: SimRequest): void {
		const heap = this.#heap;
		const n = heap.length;
		let i = start;
		for (;;) {
			const l = 2 * i + 1;
			if (l >= n) break;
			const r = l + 1;
			const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
			if (!before(heap[c]!, item)) break;
			heap[i] = heap[c]!;
			i = c;
		}
		heap[i] = item;
	}
}

/** vLLM's priority order: `(priority, arrival_time)`, then id for a total order. */
export function before(a: SimRequest, b: SimRequest): boolean {
	if (a.priority !== b.priority) return a.priority < b.priority;
	if (a.arrivalAt !== b.arrivalAt) return a.arrivalAt < b.arrivalAt;
	return a.id < b.id;
}

export function createRequestQueue(policy: SchedulingPolicy): RequestQueue {
	return policy === 'priority' ? new PriorityQueue() : new FcfsQueue();
}
