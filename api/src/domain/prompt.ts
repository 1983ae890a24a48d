import { answerContract } from './answer-contract';

/**
 * Builds the chat prompt for one avatar turn: persona and output contract, retrieved memories and a
 * sliding window of recent turns, kept within a token budget. Pure: no I/O, no tokenizer dependency.
 */

export interface PromptPersona {
  name: string;
  description?: string;
  systemPrompt: string;
  /** Gestures the avatar can perform; the model is told to use only these. */
  gestureLibrary: string[];
  defaultEmotion: string;
}

export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
}

/** Structurally the LLM adapters' ChatMessage, declared here so the domain imports nothing outward. */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface PromptInput {
  persona: PromptPersona;
  /** Most relevant first; the least relevant are dropped first when over budget. */
  memories: string[];
  /** Oldest first, as a history store returns them; the oldest are dropped first when over budget. */
  history: ConversationTurn[];
  userText: string;
  /** Budget for the whole prompt, in approximate tokens (see estimateTokens). */
  tokenBudget?: number;
  /** Share of the budget memories may take, so they cannot crowd out the conversation. */
  memoryShare?: number;
}

export interface BuiltPrompt {
  messages: PromptMessage[];
  estimatedTokens: number;
  includedMemories: number;
  includedTurns: number;
}

export const DEFAULT_PROMPT_TOKEN_BUDGET = 3000;
/** Per-message framing (role markers, separators) that chat models count on top of the content. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Approximate token count: one token per 4 characters, the usual ratio for English with GPT-style BPE
 * tokenizers (Llama and Mistral tokenizers land within ~20% of it). Exactness is not needed here: the budget
 * only has to keep prompts well under the model's context, and a tokenizer per provider would tie the
 * domain to one model family. Non-Latin scripts tokenize denser, so we count each non-ASCII character as
 * a whole token to stay on the safe side.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if ((ch.codePointAt(0) ?? 0) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

const messageTokens = (content: string) => estimateTokens(content) + MESSAGE_OVERHEAD_TOKENS;

/** The JSON contract the avatar-response parser expects; "text" first so speech can start early. */
export function outputContract(persona: PromptPersona): string {
  const contract = answerContract(persona);
  const gestures = contract.gestures.length > 0 ? contract.gestures.join(', ') : 'none';
  return [
    'You speak out loud through an animated avatar. Reply with exactly one JSON object and nothing else:',
    '{"text": "...", "gesture_plan": [{"gesture": "nod", "word_index": 0, "duration_ms": 800, "intensity": 0.6}], "emotion": "...", "actions": []}',
    '- "text" comes first: what you say, as plain spoken sentences (no markdown, lists or emoji). Usually one to three sentences.',
    `- "gesture_plan": at most ${contract.maxGestures} gestures, only from: ${gestures}. "word_index" is the 0-based index of the word in "text" where the gesture starts.`,
    `- "emotion": how you feel while saying it, one of ${contract.emotions.join(', ')}; "${persona.defaultEmotion}" when unsure.`,
    '- "actions": leave empty unless the application asked for one.',
  ].join('\n');
}

const MEMORY_HEADER = '\n\nWhat you remember about the user (may be outdated):';

/** The system text with as many memories as fit their share of the budget, most relevant first. */
function withMemories(
  base: string,
  candidates: readonly string[],
  opts: { budget: number; used: number; share: number },
): { system: string; memories: string[]; tokens: number } {
  const memoryBudget = Math.floor(opts.budget * opts.share);
  const memories: string[] = [];
  let tokens = estimateTokens(MEMORY_HEADER);
  for (const memory of candidates) {
    const cost = estimateTokens(`\n- ${memory}`);
    if (tokens + cost > memoryBudget || opts.used + tokens + cost > opts.budget) break;
    memories.push(memory);
    tokens += cost;
  }
  if (memories.length === 0) return { system: base, memories, tokens: 0 };
  return { system: `${base}${MEMORY_HEADER}${memories.map((m) => `\n- ${m}`).join('')}`, memories, tokens };
}

/**
 * The instructions of a speech-to-speech agent: the persona, how to speak, and the memories recalled for the
 * coming turn (the provider keeps the conversation itself). No JSON contract: the agent answers in audio.
 */
export function agentInstructions(
  persona: PromptPersona,
  memories: readonly string[],
  tokenBudget?: number,
): string {
  const identity = [`You are ${persona.name}.`, persona.description?.trim()].filter(Boolean).join(' ');
  const base = [
    identity,
    persona.systemPrompt.trim(),
    'You speak out loud through an animated avatar: answer in plain spoken sentences (no markdown, lists or emoji), usually one to three.',
    'To show how you feel or to gesture while you speak, call the express function (it does not interrupt you).',
  ]
    .filter(Boolean)
    .join('\n\n');
  const budget = tokenBudget ?? DEFAULT_PROMPT_TOKEN_BUDGET;
  return withMemories(base, memories, { budget, used: messageTokens(base), share: 0.5 }).system;
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const budget = input.tokenBudget ?? DEFAULT_PROMPT_TOKEN_BUDGET;
  const { persona } = input;
  const identity = [`You are ${persona.name}.`, persona.description?.trim()].filter(Boolean).join(' ');
  const baseSystem = [identity, persona.systemPrompt.trim(), outputContract(persona)]
    .filter(Boolean)
    .join('\n\n');
  const user: PromptMessage = { role: 'user', content: input.userText };

  // The persona, the contract and the question itself are never dropped.
  let used = messageTokens(baseSystem) + messageTokens(user.content);

  const remembered = withMemories(baseSystem, input.memories, {
    budget,
    used,
    share: input.memoryShare ?? 0.25,
  });
  const { system, memories } = remembered;
  used += remembered.tokens;

  const window: PromptMessage[] = [];
  for (let i = input.history.length - 1; i >= 0; i--) {
    const turn = input.history[i] as ConversationTurn;
    const cost = messageTokens(turn.text);
    if (used + cost > budget) break;
    window.unshift({ role: turn.role, content: turn.text });
    used += cost;
  }

  return {
    messages: [{ role: 'system', content: system }, ...window, user],
    estimatedTokens: used,
    includedMemories: memories.length,
    includedTurns: window.length,
  };
}
