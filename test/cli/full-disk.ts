import type {WriteStream} from 'node:fs';

/**
 * A disk that fills up after `budget` bytes, for `vi.mock('node:fs')` / `vi.mock('node:fs/promises')`.
 * Files are real (so leftovers can be checked); once the budget is spent, the write that crosses
 * it and every later write fail with `ENOSPC`, as the kernel reports a full disk. Bytes are counted
 * when `write` is called, so which file hits the limit first does not depend on I/O timing.
 */
export const disk = {budget: Number.POSITIVE_INFINITY};

export const enospc = (): NodeJS.ErrnoException =>
	Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC', errno: -28, syscall: 'write'});

/** Make `stream` fail like a file on a full disk. */
export function onFullDisk(stream: WriteStream): WriteStream {
	let full = false;
	const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
	stream.write = ((chunk: unknown, ...rest: unknown[]) => {
		const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length;
		if (disk.budget < size) full = true;
		disk.budget = Math.max(0, disk.budget - size);
		return write(chunk, ...rest);
	}) as WriteStream['write'];
	const writeOne = stream._write.bind(stream);
	stream._write = (chunk, encoding, callback) => (full ? callback(enospc()) : writeOne(chunk, encoding, callback));
	const writeMany = stream._writev?.bind(stream);
	if (writeMany !== undefined) stream._writev = (chunks, callback) => (full ? callback(enospc()) : writeMany(chunks, callback));
	return stream;
}

/** `fs.promises.writeFile` on the same disk: the file is created, then the write fails if it does not fit. */
export function writeFileOnFullDisk(
	writeFile: (path: string, data: string) => Promise<void>,
): (path: string, data: string, ...rest: unknown[]) => Promise<void> {
	return async (path, data) => {
		const size = Buffer.byteLength(data);
		if (disk.budget >= size) {
			disk.budget -= size;
			return writeFile(path, data);
		}
		await writeFile(path, '');
		disk.budget = 0;
		throw enospc();
	};
}
