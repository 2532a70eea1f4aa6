/**
 * KV-cache capacity in fixed-size blocks (vLLM's paged attention). We track counts, not block
 * ids: the simulator needs occupancy and out-of-memory decisions, not addresses.
 */
export class KvCache {
	readonly numBlocks: number;
	readonly blockSize: number;
	#used = 0;

	constructor(numBlocks: number, blockSize: number) {
		if (!Number.isInteger(numBlocks) || numBlocks < 1) throw new RangeError(`numKvBlocks must be a positive integer, got ${numBlocks}`);
		if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
		this.numBlocks = numBlocks;
		this.blockSize = blockSize;
	}

	get usedBlocks(): number {
		return this.#used;
	}

	get freeBlocks(): number {
		return this.numBlocks - this.#used;
	}

	/** `vllm:kv_cache_usage_perc`: used fraction, 0..1. */
	get usage(): number {
		return this.#used / this.numBlocks;
	}

	/** Blocks needed to hold `tokens` tokens. */
	blocksFor(tokens: number): number {
		return Math.ceil(tokens / this.blockSize);
	}

	/** Try to grow an allocation from `heldBlocks` to `wantedBlocks`; false if it does not fit. */
	tryGrow(heldBlocks: number, wantedBlocks: number): boolean {
		const extra = wantedBlocks - heldBlocks;
		if (extra <= 0) return true;
		if (extra > this.numBlocks - this.#used) return false;
		this.#used += extra;
		return true;
	}

	free(blocks: number): void {
		this.#used -= blocks;
		if (this.#used < 0) throw new RangeError(`freed more KV blocks than allocated (${this.#used})`);
	}
}
