import {request} from 'node:http';

/** What an HTTP request got back. */
export type Reply = {status: number; headers: Record<string, string | string[] | undefined>; body: string};

/** One HTTP request on a fresh connection (no keep-alive agent, so servers close cleanly). */
export function httpGet(url: string, options: {method?: string; accept?: string} = {}): Promise<Reply> {
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{method: options.method ?? 'GET', headers: options.accept === undefined ? {} : {accept: options.accept}, agent: false},
			res => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', chunk => (body += chunk));
				res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}));
			},
		);
		req.on('error', reject);
		req.end();
	});
}
