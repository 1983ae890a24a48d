import type { ChatMessage, LLMAdapter, LlmCapabilities, LlmChunk, LlmRequest } from './types';

/**
 * The embedded default when no LLM endpoint is configured: a tiny rule-based responder that says plainly
 * what it is, greets as the persona on the first turn and echoes what it heard. It answers in the same JSON
 * contract as a real model, streamed in small pieces, so the whole voice pipeline runs offline unchanged.
 *
 * The persona's name is read from the system prompt's first line, `You are <name>.` (see domain/prompt.ts).
 */
export class LocalResponderLlm implements LLMAdapter {
  readonly label = 'local-responder';
  readonly capabilities: LlmCapabilities = { jsonMode: true };

  constructor(private readonly now: () => Date = () => new Date()) {}

  async *stream(req: LlmRequest): AsyncIterable<LlmChunk> {
    const answer = JSON.stringify(this.answer(req.messages));
    // Word-sized pieces exercise the same incremental parsing as a real token stream.
    const pieces = answer.match(/\S+\s*|\s+/g) ?? [];
    for (const text of pieces) {
      req.signal.throwIfAborted();
      yield { type: 'content', text };
      // Yield to the event loop between pieces, as network tokens would, so barge-in can land mid-answer.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const promptChars = req.messages.reduce((n, m) => n + m.content.length, 0);
    yield {
      type: 'usage',
      usage: { promptTokens: Math.ceil(promptChars / 4), completionTokens: pieces.length },
    };
  }

  private answer(messages: ChatMessage[]) {
    const name = /^You are ([^.\n]+)\./m
      .exec(messages.find((m) => m.role === 'system')?.content ?? '')?.[1]
      ?.trim();
    const heard = messages.findLast((m) => m.role === 'user')?.content.trim() ?? '';
    const firstTurn = !messages.some((m) => m.role === 'assistant');
    const me = name ? `I'm ${name}` : "I'm your avatar";
    const intro = firstTurn
      ? `Hello! ${me}, running on the built-in offline responder, so my answers are simple rules rather than a language model. `
      : '';
    const asked = heard.toLowerCase();

    if (/\b(your name|who are you)\b/.test(asked)) {
      return reply(`${intro}${me}. I'm answering with the local offline responder.`, 'smile', 'happy');
    }
    if (/\bwhat time\b|\bthe time\b/.test(asked)) {
      const time = this.now().toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
      return reply(`${intro}It is ${time} here.`, 'nod', 'neutral');
    }
    if (/\bhelp\b|what can you do/.test(asked)) {
      return reply(
        `${intro}I can greet you, tell you my name and the time, and repeat what I heard. Connect a language model endpoint for real conversations.`,
        'think',
        'neutral',
      );
    }
    if (!heard) return reply(`${intro}I didn't catch that. Could you say it again?`, 'shrug', 'neutral');
    return reply(`${intro}I heard you say: ${heard}`, firstTurn ? 'wave' : 'nod', 'neutral');
  }
}

function reply(text: string, gesture: string, emotion: string) {
  return {
    text,
    gesture_plan: [{ gesture, word_index: 0, duration_ms: 1200, intensity: 0.6 }],
    emotion,
    actions: [],
  };
}
