import { z } from 'zod';
import type { LLMAdapter } from '../llm/types';
import type {
  ConversationSummary,
  ExtractedMemory,
  MemoryKindName,
  Summarizer,
  TranscriptTurn,
} from './types';

interface Rule {
  pattern: RegExp;
  kind: MemoryKindName;
  importance: number;
}

// What a person says about themselves that is still true next week. Ordered: the first matching rule decides.
const RULES: Rule[] = [
  { pattern: /\b(my name is|call me)\b/i, kind: 'FACT', importance: 0.9 },
  {
    pattern: /\b(i am allergic|i'm allergic|my birthday|i am \d+|i'm \d+ years)\b/i,
    kind: 'FACT',
    importance: 0.85,
  },
  {
    pattern:
      /\b(i (really )?(like|love|enjoy|prefer|hate|dislike|can't stand)|i don't like|my favou?rite)\b/i,
    kind: 'PREFERENCE',
    importance: 0.6,
  },
  {
    pattern:
      /\b(i live|i'm from|i am from|i work|i study|i'm a|i am a|i have (a|an|two|three)|my (wife|husband|partner|son|daughter|dog|cat|mother|father|job|sister|brother))\b/i,
    kind: 'FACT',
    importance: 0.7,
  },
  {
    pattern:
      /\b(tomorrow|next (week|month|year)|yesterday|last (week|month|year)|i'm going to|i am going to|i will|i went|i moved|i started)\b/i,
    kind: 'EVENT',
    importance: 0.5,
  },
];

const FIRST_TO_THIRD: [RegExp, string][] = [
  [/\bI'm\b/g, 'the user is'],
  [/\bI am\b/g, 'the user is'],
  [/\bI've\b/g, 'the user has'],
  [/\bI'll\b/g, 'the user will'],
  [/\bI'd\b/g, 'the user would'],
  [/\bI was\b/g, 'the user was'],
  [/\bI\b/g, 'the user'],
  [/\bmy\b/gi, "the user's"],
  [/\bmine\b/gi, 'theirs'],
  [/\bme\b/gi, 'them'],
  [/\bmyself\b/gi, 'themselves'],
];

function toThirdPerson(sentence: string): string {
  let text = sentence.trim().replace(/[.!?…]+$/, '');
  for (const [pattern, replacement] of FIRST_TO_THIRD) text = text.replace(pattern, replacement);
  text = text.replace(
    /\bthe user (have|do|don't|like|love|enjoy|prefer|hate|dislike|live|work|study|want|need|start|go|move|visit|play|own|speak)\b/g,
    (_m, verb: string) => {
      const third: Record<string, string> = { have: 'has', do: 'does', go: 'goes', "don't": "doesn't" };
      return `the user ${third[verb] ?? `${verb}s`}`;
    },
  );
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function sentences(text: string): string[] {
  return (
    text
      .match(/[^.!?…]+[.!?…]*/g)
      ?.map((s) => s.trim())
      .filter((s) => s.length > 0) ?? []
  );
}

/**
 * The embedded default: pulls durable statements the user made about themselves (name, preferences, facts, plans)
 * with fixed patterns, and writes a short extractive summary. Deterministic and instant; an LLM does better.
 */
export const ruleBasedSummarizer: Summarizer = async (turns) => {
  const memories: ExtractedMemory[] = [];
  const seen = new Set<string>();
  for (const turn of turns) {
    if (turn.role !== 'USER') continue;
    for (const sentence of sentences(turn.text)) {
      if (sentence.includes('?')) continue;
      const rule = RULES.find((r) => r.pattern.test(sentence));
      if (!rule) continue;
      const text = toThirdPerson(sentence);
      if (seen.has(text.toLowerCase())) continue;
      seen.add(text.toLowerCase());
      memories.push({ text, kind: rule.kind, importance: rule.importance });
    }
  }
  const userTurns = turns.filter((t) => t.role === 'USER').length;
  const topics = memories.slice(0, 3).map((m) => m.text.replace(/\.$/, ''));
  const summary =
    turns.length === 0
      ? ''
      : `Conversation of ${turns.length} turns (${userTurns} from the user).${topics.length > 0 ? ` ${topics.join('; ')}.` : ''}`;
  return { summary, memories };
};

const llmAnswerSchema = z.object({
  summary: z.string(),
  memories: z
    .array(
      z.object({
        text: z.string(),
        kind: z.enum(['FACT', 'PREFERENCE', 'EVENT']).catch('FACT'),
        importance: z.number().min(0).max(1).catch(0.5),
      }),
    )
    .default([]),
});

const LLM_INSTRUCTIONS = `You maintain an assistant's long-term memory about the user.
Read the conversation and answer with one JSON object:
{"summary": "<2-3 sentences>", "memories": [{"text": "<one durable fact, preference or upcoming event about the user, third person>", "kind": "FACT"|"PREFERENCE"|"EVENT", "importance": <0..1>}]}
Only keep what will still matter in a later conversation. No small talk, nothing the assistant said about itself.`;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Summarization by any chat model behind our LLM adapter (OpenAI, Ollama, ...), in JSON mode. */
export function createLlmSummarizer(llm: LLMAdapter, opts: { timeoutMs?: number } = {}): Summarizer {
  return async (turns: TranscriptTurn[]): Promise<ConversationSummary> => {
    const transcript = turns.map((t) => `${t.role === 'USER' ? 'User' : 'Assistant'}: ${t.text}`).join('\n');
    let content = '';
    for await (const chunk of llm.stream({
      messages: [
        { role: 'system', content: LLM_INSTRUCTIONS },
        { role: 'user', content: transcript },
      ],
      json: llm.capabilities.jsonMode,
      maxTokens: 800,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    })) {
      if (chunk.type === 'content') content += chunk.text;
    }
    const json = content.slice(content.indexOf('{'), content.lastIndexOf('}') + 1);
    const parsed = llmAnswerSchema.safeParse(safeJson(json));
    // A model that does not follow the JSON contract (a small local model, a chat-only endpoint) must not
    // leave the user without memories: fall back to the rule-based extractor.
    return parsed.success ? parsed.data : ruleBasedSummarizer(turns);
  };
}
