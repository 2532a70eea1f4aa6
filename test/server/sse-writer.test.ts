import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {connect, Socket} from 'node:net';
import {afterEach, describe, expect, it, onTestFinished, vi} from 'vitest';
import {SseWriter} from '../../src/server/sse-writer.js';

const servers: Server[] = [];
afterEach(async () => {
	vi.restoreAllMocks();
	for (const server of servers.splice(0)) {
		server.closeAllConnections();
		await new Promise(resolve => server.close(resolve));
	}
});

/** A server whose every request is handed to `handle`; its base port. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
	const server = createServer(handle);
	servers.push(server);
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return (server.address() as {port: number}).port;
}

/**
 * GET `path` on a raw socket: every byte the server sent, until the chunked body's last chunk
 * (the SSE head asks for keep-alive, so the server would keep the connection open).
 */
function rawGet(port: number, path = '/'): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
		const parts: Buffer[] = [];
		socket.on('data', part => {
			parts.push(part);
			const all = Buffer.concat(parts);
			if (all.subarray(-5).toString('latin1') === '0\r\n\r\n') {
				socket.destroy();
				resolve(all);
			}
		});
		socket.on('error', reject);
	});
}

const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

describe('SseWriter', () => {
	it('frames reach the socket as HTTP/1.1 chunks sized in UTF-8 bytes, whatever their characters', async () => {
		const texts = ['plain', 'é — “quotes” 😀 漢字', '\\"escaped\\"\\n'];
		const port = await serve(async (_req, res) => {
			const sse = new SseWriter(res);
			sse.begin(() => undefined);
			for (const text of texts) {
				sse.send(text);
				await nextTurn();
			}
			sse.send('[DONE]');
			sse.end();
		});
		const raw = (await rawGet(port)).toString('latin1');
		const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
		// Each frame one chunk: its size line is the UTF-8 byte length in hex.
		let expected = '';
		for (const text of texts) {
			const frame = Buffer.from(`data: ${text}\n\n`);
			expected += `${frame.length.toString(16)}\r\n${frame.toString('latin1')}\r\n`;
		}
		const last = Buffer.from('data: [DONE]\n\n');
		expected += `${last.length.toString(16)}\r\n${last.toString('latin1')}\r\n0\r\n\r\n`;
		expect(body).toBe(expected);
		expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*transfer-encoding: chunked\r\n/i);
	});

	it('frames sent with their UTF-8 length, alone or with frames sent without, are sized as measured ones', async () => {
		// One turn each: a known length; two known; a known and an unknown one.
		const turns = [['é — “quotes” 😀 漢字'], ['plain', '漢字'], ['ü', 'unmeasured 😀']];
		const port = await serve(async (_req, res) => {
			const sse = new SseWriter(res);
			sse.begin(() => undefined);
			for (const [t, texts] of turns.entries()) {
				for (const [i, text] of texts.entries()) sse.send(text, t === 2 && i === 1 ? undefined : Buffer.byteLength(text));
				await nextTurn();
			}
			sse.end();
		});
		const raw = (await rawGet(port)).toString('latin1');
		const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
		let expected = '';
		for (const texts of turns) {
			const frames = Buffer.from(texts.map(text => `data: ${text}\n\n`).join(''));
			expected += `${frames.length.toString(16)}\r\n${frames.toString('latin1')}\r\n`;
		}
		expect(body).toBe(`${expected}0\r\n\r\n`);
	});

	it('whole events (sendEvent) with frames (send) in one turn, and chunks of every size, are sized as the bytes sent', async () => {
		// Chunk sizes from 1 byte (one hex digit) past the cached size lines (4 KiB), some turns mixing both kinds.
		const sizes = [1, 15, 16, 255, 256, 4095, 4096, 5000, 4095];
		const port = await serve(async (_req, res) => {
			const sse = new SseWriter(res);
			sse.begin(() => undefined);
			for (const [t, size] of sizes.entries()) {
				const event = `data: ${'é'.repeat(Math.max(0, Math.floor((size - 8) / 2)))}${(size - 8) % 2 === 1 ? 'x' : ''}\n\n`;
				if (size >= 8) sse.sendEvent(event, Buffer.byteLength(event));
				if (t % 3 === 1) sse.send('😀');
				await nextTurn();
			}
			sse.end();
		});
		const raw = (await rawGet(port)).toString('latin1');
		const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
		let expected = '';
		for (const [t, size] of sizes.entries()) {
			let frames = size >= 8 ? `data: ${'é'.repeat(Math.max(0, Math.floor((size - 8) / 2)))}${(size - 8) % 2 === 1 ? 'x' : ''}\n\n` : '';
			if (t % 3 === 1) frames += 'data: 😀\n\n';
			if (frames === '') continue;
			const bytes = Buffer.from(frames);
			expected += `${bytes.length.toString(16)}\r\n${bytes.toString('latin1')}\r\n`;
		}
		expect(body).toBe(`${expected}0\r\n\r\n`);
	});

	it("one write per connection per turn, however many frames; a stream's first frames are written before the running streams'", async () => {
		const order: string[] = [];
		const writers: Record<string, SseWriter> = {};
		let ready!: () => void;
		const bothOpen = new Promise<void>(resolve => (ready = resolve));
		const port = await serve((req, res) => {
			const name = req.url === '/running' ? 'running' : 'new';
			const sse = new SseWriter(res);
			sse.begin(() => undefined);
			writers[name] = sse;
			if (Object.keys(writers).length === 2) ready();
		});
		const running = rawGet(port, '/running');
		await nextTurn();
		const fresh = rawGet(port, '/new');
		await bothOpen;
		// The running stream has written before.
		writers['running']!.send('step 1');
		await nextTurn();
		const write = vi.spyOn(Socket.prototype, 'write');
		// However the assertions go, the streams end (the clients wait for their last chunk).
		onTestFinished(() => {
			for (const sse of Object.values(writers)) sse.end();
		});
		// One turn: two frames for the running stream, queued before the new stream's first frame.
		writers['running']!.send('step 2a');
		writers['running']!.send('step 2b');
		writers['new']!.send('first');
		await nextTurn();
		for (const call of write.mock.calls) {
			const data = String(call[0]);
			if (data.includes('step 2a')) order.push('running');
			if (data.includes('first')) order.push('new');
		}
		expect(order).toEqual(['new', 'running']);
		// The running stream's two frames went out in one write.
		expect(write.mock.calls.filter(call => String(call[0]).includes('step 2')).map(call => String(call[0]))).toEqual([
			`${(2 * 'data: step 2a\n\n'.length).toString(16)}\r\ndata: step 2a\n\ndata: step 2b\n\n\r\n`,
		]);
		write.mockRestore();
		for (const sse of Object.values(writers)) sse.end();
		expect((await running).toString()).toContain('data: step 2b');
		expect((await fresh).toString()).toContain('data: first');
	});
});
