/**
 * Output lines assembled as UTF-8 bytes in one growing buffer, handed to a file stream whole.
 * `generate` writes millions of short records; building each as a string, collecting the strings and
 * joining them for the stream made most of its garbage. Here integers are written digit by digit and
 * fixed text is copied in, so a record allocates nothing.
 */
export class LineBuffer {
	#bytes: Buffer;
	#length = 0;

	constructor(initialBytes = 1 << 16) {
		this.#bytes = Buffer.allocUnsafe(initialBytes);
	}

	/** Bytes written since the last {@link take}. */
	get length(): number {
		return this.#length;
	}

	#reserve(bytes: number): void {
		const needed = this.#length + bytes;
		if (needed <= this.#bytes.length) return;
		const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#bytes.length));
		this.#bytes.copy(grown, 0, 0, this.#length);
		this.#bytes = grown;
	}

	/** Any text, UTF-8 encoded. */
	text(s: string): this {
		this.#reserve(3 * s.length);
		this.#length += this.#bytes.write(s, this.#length, 'utf8');
		return this;
	}

	/** One ASCII character by its code (`[` is 91). */
	byte(code: number): this {
		this.#reserve(1);
		this.#bytes[this.#length++] = code;
		return this;
	}

	/** A number as JSON prints it; non-negative safe integers without building a string. */
	number(x: number): this {
		if (!(Number.isSafeInteger(x) && x >= 0)) return this.text(Number.isFinite(x) ? `${x}` : 'null');
		if (x < 10) return this.byte(48 + x);
		let digits = 1;
		for (let rest = x; rest >= 10; rest = Math.floor(rest / 10)) digits++;
		this.#reserve(digits);
		let at = this.#length + digits;
		this.#length = at;
		for (let rest = x; ; ) {
			const next = Math.floor(rest / 10);
			this.#bytes[--at] = 48 + (rest - 10 * next);
			if (next === 0) break;
			rest = next;
		}
		return this;
	}

	/** The bytes written so far, no longer touched by this buffer (a stream may hold them until written). */
	take(): Buffer {
		const taken = this.#bytes.subarray(0, this.#length);
		this.#bytes = Buffer.allocUnsafe(this.#bytes.length);
		this.#length = 0;
		return taken;
	}
}
