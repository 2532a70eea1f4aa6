/**
 * `vllm bench serve --base-url http://127.0.0.1:8000 ...` against specsim serve. vLLM does not
 * install on this machine (no GPU stack), so this test sends exactly what its `openai` and
 * `openai-chat` backends send (`vllm/benchmarks/lib/endpoint_request_func.py`:
 * `async_request_openai_completions` and `async_request_openai_chat_completions`, also its
 * readiness probe) and reads the stream as they do: events split on blank lines, `data: `
 * stripped, `:` comments skipped, `[DONE]` ignored, the first event with choices is the TTFT, a
 * `usage` event gives the output tokens; a request without any event with choices is a failure.
 */
import {encode} from 'gpt-tokenizer';
import {describe, expect, it} from 'vitest';
import {MODEL, startServe} from './serve-harness.js';

type BenchOutput = {success: boolean; error: string; generatedText: string; outputTokens: number; promptLen: number; chunks: number};

/** What the benchmark's request function records for one request. */
async function benchRequest(url: string, payload: object, apiKey?: string): Promise<BenchOutput> {
	const headers: Record<string, string> = {'Content-Type': 'application/json', 'x-request-id': 'bench-request-0'};
	if (apiKey !== undefined) headers['Authorization'] = `Bearer ${apiKey}`;
	const response = await fetch(url, {method: 'POST', headers, body: JSON.stringify(payload)});
	const out: BenchOutput = {success: false, error: '', generatedText: '', outputTokens: 0, promptLen: 0, chunks: 0};
	if (response.status !== 200) {
		out.error = response.statusText;
		return out;
	}
	const body = await response.text();
	for (const raw of body.split('\n\n')) {
		const message = raw.trim();
		if (message === '' || message.startsWith(':')) continue;
		const chunk = message.startsWith('data: ') ? message.slice('data: '.length) : message;
		if (chunk === '[DONE]') continue;
		const data = JSON.parse(chunk) as {
			choices?: Array<{text?: string | null; delta?: {content?: string | null}}>;
			usage?: {completion_tokens: number; prompt_tokens?: number};
		};
		if (data.choices !== undefined && data.choices.length > 0) {
			out.chunks++;
			const choice = data.choices[0]!;
			out.generatedText += (choice.delta === undefined ? choice.text : choice.delta.content) ?? '';
		} else if (data.usage !== undefined) {
			out.outputTokens = data.usage.completion_tokens;
			if (data.usage.prompt_tokens !== undefined) out.promptLen = data.usage.prompt_tokens;
		}
	}
	out.success = out.chunks > 0;
	if (!out.success) out.error = 'Never received a valid chunk to calculate TTFT.';
	return out;
}

describe('vllm bench serve against specsim serve (its request functions replayed)', () => {
	it('openai backend (/v1/completions, the default): streamed, usage gives exactly --random-output-len tokens with --ignore-eos', async () => {
		const {server} = await startServe();
		const prompt = 'the quick brown fox jumps over the lazy dog '.repeat(20);
		const out = await benchRequest(`${server.baseUrl}/v1/completions`, {
			model: MODEL,
			prompt,
			repetition_penalty: 1.0,
			max_tokens: 128,
			logprobs: null,
			stream: true,
			stream_options: {include_usage: true},
			ignore_eos: true,
		});
		expect(out).toMatchObject({success: true, error: '', outputTokens: 128, promptLen: encode(prompt).length});
		expect(encode(out.generatedText)).toHaveLength(128);
		// One event per engine step: fewer events than tokens under speculative decoding.
		expect(out.chunks).toBeLessThan(128);
	});

	it('openai-chat backend (/v1/chat/completions): text parts in the message, max_completion_tokens', async () => {
		const {server} = await startServe();
		const out = await benchRequest(`${server.baseUrl}/v1/chat/completions`, {
			model: MODEL,
			messages: [{role: 'user', content: [{type: 'text', text: 'Summarise speculative decoding.'}]}],
			max_completion_tokens: 64,
			stream: true,
			stream_options: {include_usage: true},
			ignore_eos: true,
		});
		expect(out).toMatchObject({success: true, outputTokens: 64});
		expect(encode(out.generatedText)).toHaveLength(64);
	});

	it('with --api-key it sends OPENAI_API_KEY as a bearer token; without it the request fails as the benchmark reports', async () => {
		const {server} = await startServe({apiKey: 'sekret'});
		const payload = {model: MODEL, prompt: 'hi', max_tokens: 4, stream: true, stream_options: {include_usage: true}, ignore_eos: true};
		expect(await benchRequest(`${server.baseUrl}/v1/completions`, payload, 'sekret')).toMatchObject({success: true, outputTokens: 4});
		expect(await benchRequest(`${server.baseUrl}/v1/completions`, payload)).toMatchObject({success: false, error: 'Unauthorized'});
	});
});
