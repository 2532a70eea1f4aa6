/**
 * File-system error codes in words, for one-line user errors. Pure (it reads only the error's
 * `code`), so the config loader and the CLI share it without src/config importing src/cli.
 */

/** `ENOENT` and friends as short human words. */
export function describeFsError(error: unknown): string {
	const code = (error as {code?: string}).code;
	switch (code) {
		case 'ENOENT':
			return 'no such file or directory';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'EISDIR':
			return 'is a directory, expected a file';
		case 'ENOTDIR':
			return 'a path component is not a directory';
		case 'ERR_STREAM_DESTROYED':
			// An output stream closed by a failure elsewhere while a write was pending.
			return 'interrupted';
		case 'ENOSPC':
			return 'no space left on device';
		case 'EDQUOT':
			return 'disk quota exceeded';
		case 'EROFS':
			return 'read-only file system';
		case 'EFBIG':
			return 'file too large';
		case 'EIO':
			return 'input/output error';
		default:
			return (error as Error).message ?? String(error);
	}
}
