import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerContract, answerSchema } from '../../domain/answer-contract';
import { buildPrompt } from '../../domain/prompt';
import { ProviderError } from '../../errors';
import { AvatarResponseParser } from '../../realtime/avatar-response-parser';
import { LlamaCppLlm } from './llama-cpp';
import type { LlmChunk, LlmRequest } from './types';

// The real default model (SmolLM2-135M-Instruct, installed by setup) decoding on the CPU.
const persona = {
  name: 'Ava',
  description: 'A friendly guide at the city museum.',
  systemPrompt: 'You help visitors find their way. Keep answers short.',
  gestureLibrary: ['nod', 'wave', 'smile', 'think'],
  defaultEmotion: 'cheerful',
};
const contract = answerContract(persona);

const request = (userText: string, signal = new AbortController().signal): LlmRequest => ({
  messages: buildPrompt({ persona, memories: [], history: [], userText }).messages,
  signal,
  json: true,
  contract,
  maxTokens: 96,
});

async function collect(stream: AsyncIterable<LlmChunk>) {
  const chunks: LlmChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { text: chunks.map((c) => (c.type === 'content' ? c.text : '')).join(''), chunks };
}

let llm: LlamaCppLlm;
beforeAll(async () => {
  llm = await LlamaCppLlm.create({ parallel: 2, maxQueued: 1 });
});
afterAll(() => llm?.close());

describe('LlamaCppLlm', () => {
  it('streams answers that satisfy the contract as decoded, with no repair', async () => {
    for (const question of ['Hello, what is your name?', 'Where are the dinosaurs?', 'Tell me a joke.']) {
      const { text, chunks } = await collect(llm.stream(request(question)));
      const answer = answerSchema(contract).parse(JSON.parse(text));
      expect(answer.text.trim().length).toBeGreaterThan(0);
      // Token by token, so the sentence splitter can start speech before the answer is complete.
      expect(chunks.filter((c) => c.type === 'content').length).toBeGreaterThan(10);
      expect(chunks.at(-1)).toEqual({
        type: 'usage',
        usage: { promptTokens: expect.any(Number), completionTokens: expect.any(Number) },
      });
    }
  });

  it('prepared while the user speaks, evaluates only the new words when the answer is asked for', async () => {
    // Prompts of their own, so nothing earlier in this file is in the cache.
    const ask = (name: string) => ({
      ...request('What is on the first floor?'),
      messages: buildPrompt({
        persona: { ...persona, name },
        memories: [],
        history: [],
        userText: 'What is on the first floor?',
      }).messages,
    });
    const usage = async (req: LlmRequest) =>
      (await collect(llm.stream(req))).chunks.flatMap((c) =>
        c.type === 'usage' ? [c.usage.promptTokens] : [],
      )[0]!;
    const cold = await usage(ask('Marguerite'));
    const prepared = ask('Bartholomew');
    await llm.prepare({ messages: prepared.messages.slice(0, -1), contract });
    const warm = await usage(prepared);
    expect(cold).toBeGreaterThan(200);
    expect(warm).toBeLessThan(cold / 4);
  });

  it('holds to a contract with no gestures and declared actions', async () => {
    const narrow = {
      gestures: [],
      emotions: ['neutral'],
      maxGestures: 1,
      actions: ['open_map', 'call_staff'],
    };
    const { text } = await collect(llm.stream({ ...request('Where is the map?'), contract: narrow }));
    const answer = answerSchema(narrow).parse(JSON.parse(text));
    expect(answer.gesture_plan).toEqual([]);
    expect(answer.emotion).toBe('neutral');
  });

  it('keeps the persona default emotion in the contract when it is outside the fixed set', () => {
    expect(contract.emotions).toContain('cheerful');
    expect(contract.emotions).toContain('neutral');
  });

  it('stops decoding at once on barge-in and frees its slot', async () => {
    const bargeIn = new AbortController();
    const received: LlmChunk[] = [];
    let afterAbort = 0;
    const stream = llm.stream(request('Describe the museum in detail, room by room.', bargeIn.signal));
    const consumed = (async () => {
      for await (const chunk of stream) {
        received.push(chunk);
        if (bargeIn.signal.aborted) afterAbort++;
        if (received.length === 5) bargeIn.abort(new Error('barge-in'));
      }
    })();
    await expect(consumed).rejects.toThrow('barge-in');
    // The chunk already in flight may land; the decode itself stops within one token.
    expect(afterAbort).toBeLessThanOrEqual(1);
    // Both slots are free again: two answers decode side by side.
    const both = await Promise.all([
      collect(llm.stream(request('Hi!'))),
      collect(llm.stream(request('Bye!'))),
    ]);
    for (const { text } of both) answerSchema(contract).parse(JSON.parse(text));
  });

  it('fails over at once when every slot is busy and the queue is full', async () => {
    const streams = [1, 2, 3].map(() => collect(llm.stream(request('What can I see here?'))));
    const overflow = collect(llm.stream(request('And one more?')));
    await expect(overflow).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/busy/) });
    // Two decoding, one waiting: all three complete.
    await Promise.all(streams);
  });

  it('names the path of a missing or corrupt model at start-up', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'llama-test-'));
    const missing = path.join(dir, 'missing.gguf');
    await expect(LlamaCppLlm.create({ modelPath: missing })).rejects.toThrow(missing);
    const corrupt = path.join(dir, 'corrupt.gguf');
    await writeFile(corrupt, 'not a gguf file');
    const error = await LlamaCppLlm.create({ modelPath: corrupt }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain(corrupt);
    expect((error as ProviderError).retryable).toBe(false);
  });
});

describe('LlamaCppLlm with the grammar off', () => {
  it('is repaired or said as plain text by the answer parser, never dropped', async () => {
    const free = await LlamaCppLlm.create({ grammar: false, parallel: 1 });
    try {
      const { text } = await collect(free.stream(request('Hello, who are you?')));
      const parser = new AvatarResponseParser({ emotion: persona.defaultEmotion });
      const spoken = [...parser.push(text), ...parser.end().events].map((e) => e.text).join(' ');
      expect(spoken.trim().length).toBeGreaterThan(0);
    } finally {
      await free.close();
    }
  });
});
