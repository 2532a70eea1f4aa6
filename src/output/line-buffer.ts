import {writeSync} from 'node:fs';

/**
 * Output lines assembled as UTF-8 bytes in one growing buffer, handed to a file stream whole.
 * `generate` writes millions of short records; building each as a string, collecting the strings and
 * joining them for the stream made most of its garbage. Here integers are written digit by digit and
 * fixed text is copied in byte by byte, so a record allocates nothing but the text of its
 * fractional numbers. Its memory never comes from Node's shared buffer pool: each buffer
 * {@link take} returns owns its `ArrayBuffer` whole, so it can be transferred to another thread.
 */
export class LineBuffer {
	#bytes: Buffer;
	#length = 0;

	constructor(initialBytes = 1 << 16) {
		this.#bytes = Buffer.allocUnsafeSlow(initialBytes);
	}

	/** Bytes written since the last {@link take}. */
	get length(): number {
		return this.#length;
	}

	#reserve(bytes: number): void {
		const needed = this.#length + bytes;
		if (needed <= this.#bytes.length) return;
		const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.#bytes.length));
		this.#bytes.copy(grown, 0, 0, this.#length);
		this.#bytes = grown;
	}

	/** Any text, UTF-8 encoded. */
	text(s: string): this {
		this.#reserve(3 * s.length);
		this.#length += this.#bytes.write(s, this.#length, 'utf8');
		return this;
	}

	/**
	 * Text the caller knows is ASCII (a number's digits), copied code by code: for short text
	 * cheaper than a call into the UTF-8 encoder.
	 */
	ascii(s: string): this {
		const n = s.length;
		this.#reserve(n);
		const bytes = this.#bytes;
		let at = this.#length;
		for (let i = 0; i < n; i++) bytes[at++] = s.charCodeAt(i);
		this.#length = at;
		return this;
	}

	/** Fixed bytes (a record's keys and punctuation, encoded once with {@link asciiBytes}). */
	bytes(fixed: Uint8Array): this {
		this.#reserve(fixed.length);
		this.#bytes.set(fixed, this.#length);
		this.#length += fixed.length;
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
		if (!(Number.isSafeInteger(x) && x >= 0)) return this.ascii(Number.isFinite(x) ? `${x}` : 'null');
		this.#reserve(16);
		this.#length = writeDigits(this.#bytes, this.#length, x);
		return this;
	}

	/**
	 * `[a,b],[c,d],...` for the first `numPairs` pairs of a flat array (a step's `[draft tokens,
	 * accepted tokens]`), as JSON prints the nested arrays; non-negative integers digit by digit.
	 */
	intPairs(flat: ArrayLike<number>, numPairs: number): this {
		let bytes = this.#bytes;
		let at = this.#length;
		for (let i = 0; i < numPairs; i++) {
			const a = flat[2 * i]!;
			const b = flat[2 * i + 1]!;
			if (at + 36 > bytes.length || !(Number.isSafeInteger(a) && a >= 0 && Number.isSafeInteger(b) && b >= 0)) {
				// Growing, or a value no engine produces: the general path.
				this.#length = at;
				if (i > 0) this.byte(44);
				this.byte(91).number(a).byte(44).number(b).byte(93);
				bytes = this.#bytes;
				at = this.#length;
				continue;
			}
			if (i > 0) bytes[at++] = 44;
			bytes[at++] = 91;
			if (a < 10) bytes[at++] = 48 + a;
			else at = writeDigits(bytes, at, a);
			bytes[at++] = 44;
			if (b < 10) bytes[at++] = 48 + b;
			else at = writeDigits(bytes, at, b);
			bytes[at++] = 93;
		}
		this.#length = at;
		return this;
	}

	/** Copy the bytes written so far into `target` at `at` and start over in the same memory; returns the end in `target`. */
	moveTo(target: Uint8Array, at: number): number {
		target.set(this.#bytes.subarray(0, this.#length), at);
		const end = at + this.#length;
		this.#length = 0;
		return end;
	}

	/**
	 * Write the bytes written so far to the file `fd` (synchronously, all of them) and start over in
	 * the same memory: the serialising thread's way to a file, with nothing allocated per write.
	 */
	writeTo(fd: number): void {
		const bytes = this.#bytes;
		const end = this.#length;
		this.#length = 0;
		for (let at = 0; at < end; ) at += writeSync(fd, bytes, at, end - at);
	}

	/** The bytes written so far, no longer touched by this buffer (a stream may hold them until written). */
	take(): Buffer {
		const taken = this.#bytes.subarray(0, this.#length);
		this.#bytes = Buffer.allocUnsafeSlow(this.#bytes.length);
		this.#length = 0;
		return taken;
	}
}

/** Write the decimal digits of a non-negative safe integer at `at`; returns the end. */
function writeDigits(bytes: Buffer, at: number, x: number): number {
	let digits = 1;
	for (let rest = x; rest >= 10; rest = Math.floor(rest / 10)) digits++;
	const end = at + digits;
	let i = end;
	for (let rest = x; ; ) {
		const next = Math.floor(rest / 10);
		bytes[--i] = 48 + (rest - 10 * next);
		if (next === 0) break;
		rest = next;
	}
	return end;
}

/** ASCII text as bytes for {@link LineBuffer.bytes} (throws on anything else: it would be written wrong). */
export function asciiBytes(text: string): Uint8Array {
	const bytes = Uint8Array.from(text, c => c.charCodeAt(0));
	if (bytes.length !== text.length || bytes.some((b, i) => b !== text.charCodeAt(i) || b > 127))
		throw new RangeError(`not ASCII: ${JSON.stringify(text)}`);
	return bytes;
}
