/** Conversation → summary and durable memories: the capability the session-summary workflow runs. */

export type MemoryKindName = 'FACT' | 'PREFERENCE' | 'EVENT' | 'SUMMARY';

export interface TranscriptTurn {
  id: string;
  role: 'USER' | 'ASSISTANT';
  text: string;
}

export interface ExtractedMemory {
  text: string;
  kind: MemoryKindName;
  /** 0..1: how much this is worth remembering. */
  importance: number;
}

export interface ConversationSummary {
  summary: string;
  memories: ExtractedMemory[];
}

/** Summarizes a conversation into a summary and durable memories: a local rule-based extractor or an LLM. */
export type Summarizer = (turns: TranscriptTurn[]) => Promise<ConversationSummary>;
