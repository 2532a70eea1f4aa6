/**
 * A growable ring buffer: O(1) push and pop at both ends, no shifting. The waiting queue uses it
 * (FCFS at the back, preempted requests back at the front).
 */
export class Deque<T> {
	#items: Array<T | undefined>;
	#head = 0;
	#size = 0;

	constructor(capacity = 16) {
		this.#items = new Array<T | undefined>(Math.max(2, capacity));
	}

	get size(): number {
		return this.#size;
	}

	peekFront(): T | undefined {
		return this.#size === 0 ? undefined : this.#items[this.#head];
	}

	pushBack(item: T): void {
		if (this.#size === this.#items.length) this.#grow();
		this.#items[(this.#head + this.#size) % this.#items.length] = item;
		this.#size += 1;
	}

	pushFront(item: T): void {
		if (this.#size === this.#items.length) this.#grow();
		this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
		this.#items[this.#head] = item;
		this.#size += 1;
	}

	popFront(): T | undefined {
		if (this.#size === 0) return undefined;
		const item = this.#items[this.#head];
		this.#items[this.#head] = undefined;
		this.#head = (this.#head + 1) % this.#items.length;
		this.#size -= 1;
		return item;
	}

	/** Remove the first occurrence of `item`; O(n), for the rare abort of a queued request. */
	remove(item: T): boolean {
		const n = this.#items.length;
		for (let i = 0; i < this.#size; i++) {
			if (this.#items[(this.#head + i) % n] !== item) continue;
			for (let j = i; j < this.#size - 1; j++) this.#items[(this.#head + j) % n] = this.#items[(this.#head + j + 1) % n];
			this.#items[(this.#head + this.#size - 1) % n] = undefined;
			this.#size -= 1;
			return true;
		}
		return false;
	}

	/** Items front to back (for snapshots and tests). */
	*[Symbol.iterator](): Generator<T> {
		for (let i = 0; i < this.#size; i++) yield this.#items[(this.#head + i) % this.#items.length] as T;
	}

	#grow(): void {
		const next = new Array<T | undefined>(this.#items.length * 2);
		for (let i = 0; i < this.#size; i++) next[i] = this.#items[(this.#head + i) % this.#items.length];
		this.#items = next;
		this.#head = 0;
	}
}
