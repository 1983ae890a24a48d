/**
 * The first stage of an answer in agent mode, in place of the LLM stage (answer-stages.ts): a speech-to-speech
 * agent answers the user's audio with audio and its transcript.
 *
 *   agent ──audio──▶ speech renderer (visemes and 30 fps frames from the audio) ──▶ client, at once
 *         └─transcript sentences──▶ moderation ──▶ text deltas (a flagged one cuts the agent; the fallback is spoken)
 *
 * The audio is not held for moderation (that would cost the agent its latency): a flagged sentence stops the
 * answer within the sentence, and no unmoderated text is ever shown or stored. Like the LLM stage, a provider
 * failure is handed back rather than stopping the answer, so the cascade can take over the turn.
 */
import type { AgentConnection, AgentTurnInput } from '../adapters/agent/types';
import type { LlmUsage } from '../adapters/llm/types';
import type { ModelToolCall } from '../domain/tools';
import type { Answer } from './answer-stages';
import { SentenceSplitter } from './avatar-response-parser';
import { countWords, type SpokenSegment } from './playback';
import type { SpeechEventPayload, SpeechRenderer, SpeechSentence } from './speech-renderer';
import type { StageQueue } from './stage-queue';

/** The renderer's view of the agent's audio: one running sentence, whose words arrive as transcript. */
const AGENT_SPEECH: SpeechSentence = { index: 0, text: '', firstWordIndex: 0 };

export interface AgentStageResult {
  usage: LlmUsage | null;
  /** The provider failed (dropped, malformed events, silence): the cascade may take the turn over. */
  failure: unknown;
  /** Audio of the agent's went out: a failover goes on after it rather than starting the answer again. */
  spoke: boolean;
}

export async function runAgentStage(opts: {
  answer: Answer;
  connection: AgentConnection;
  input: AgentTurnInput;
  /** Stopped by barge-in, moderation or the session's end (none of them a failure). */
  stopGeneration: AbortSignal;
  /** The agent's words, for moderation, in sentences. */
  sentences: StageQueue<SpeechSentence>;
  /** The agent's audio on the answer's timeline; its text is filled in as moderation clears it. */
  segment: SpokenSegment;
  /** Absent for text-only answers (the audio is then dropped). */
  renderer?: SpeechRenderer;
  send(events: SpeechEventPayload[]): void;
  onInputTranscript(text: string): void;
  /** The agent's VAD heard the user talk over the answer. */
  onUserSpeech(): void;
  runTool(call: ModelToolCall): Promise<string>;
  onToken(): void;
}): Promise<AgentStageResult> {
  const { answer, sentences, renderer, stopGeneration } = opts;
  const splitter = new SentenceSplitter();
  let index = 0;
  let words = 0;
  const forward = (texts: readonly string[]) => {
    for (const text of texts) {
      sentences.push({ index: index++, text, firstWordIndex: words });
      words += countWords(text);
    }
  };
  const span = answer.trace.child('agent', { 'agent.provider': opts.connection.label });
  const result: AgentStageResult = { usage: null, failure: null, spoke: false };
  try {
    for await (const event of opts.connection.respond(opts.input, {
      signal: stopGeneration,
      runTool: opts.runTool,
    })) {
      if (stopGeneration.aborted) break;
      switch (event.type) {
        case 'input_transcript':
          opts.onInputTranscript(event.text);
          break;
        case 'speech_started':
          opts.onUserSpeech();
          break;
        case 'transcript':
          opts.onToken();
          forward(splitter.push(event.delta));
          break;
        case 'audio': {
          if (!result.spoke) span.mark('first_audio');
          result.spoke = true;
          answer.playback.addAudio(opts.segment, (event.samples.length * 1000) / event.sampleRate);
          if (renderer) opts.send(await renderer.push(event, AGENT_SPEECH));
          break;
        }
        case 'usage':
          result.usage = {
            promptTokens: (result.usage?.promptTokens ?? 0) + event.usage.promptTokens,
            completionTokens: (result.usage?.completionTokens ?? 0) + event.usage.completionTokens,
          };
          break;
      }
    }
    if (!stopGeneration.aborted) forward(splitter.flush());
  } catch (err) {
    if (stopGeneration.aborted) span.set({ cancelled: true });
    else {
      result.failure = err;
      span.fail(err);
    }
  } finally {
    sentences.close();
    if (renderer && !answer.stopped) opts.send(await renderer.endSentence(AGENT_SPEECH));
    answer.playback.endSentence(opts.segment);
    span.end();
  }
  return result;
}
