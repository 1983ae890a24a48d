/**
 * Which adapter each configured provider name means. `app.ts` builds the API from these and the standalone
 * Temporal worker uses the same choices, so memories are written and searched with the same model.
 */
import { GeminiLiveAgent } from './adapters/agent/gemini-live';
import { OpenAIRealtimeAgent } from './adapters/agent/openai-realtime';
import type { AgentAdapter } from './adapters/agent/types';
import type { ResamplerPool } from './adapters/audio/resampler';
import { LocalOnnxEmbedding } from './adapters/embedding/local-onnx';
import { OpenAIEmbedding } from './adapters/embedding/openai';
import type { EmbeddingAdapter } from './adapters/embedding/types';
import { type FailoverEvent, type LabelledProvider, ProviderChain } from './adapters/failover';
import { LlamaCppLlm } from './adapters/llm/llama-cpp';
import { LocalResponderLlm } from './adapters/llm/local-responder';
import { OpenAILlm } from './adapters/llm/openai';
import type { LLMAdapter } from './adapters/llm/types';
import { createGoogleStt } from './adapters/stt/google';
import { OpenAiStt } from './adapters/stt/openai';
import { PocketsphinxStt } from './adapters/stt/pocketsphinx';
import type { STTAdapter } from './adapters/stt/types';
import type { WhisperStt } from './adapters/stt/whisper';
import { createLlmSummarizer, ruleBasedSummarizer } from './adapters/summarizer/summarizers';
import type { Summarizer } from './adapters/summarizer/types';
import { EspeakTts } from './adapters/tts/espeak';
import type { EspeakProcess } from './adapters/tts/espeak-process';
import { GoogleTts } from './adapters/tts/google';
import { OpenAITts } from './adapters/tts/openai';
import { PiperTts } from './adapters/tts/piper';
import type { TTSAdapter } from './adapters/tts/types';
import type { Config } from './config';
import type { ProviderSet, SpeechProviderChains } from './realtime/hub';

/** OpenAI embeddings when asked for, else the local ONNX model. */
export async function embeddingFor(config: Config): Promise<EmbeddingAdapter> {
  if (config.providers.embedding === 'openai') {
    const openai = config.providers.openai;
    if (!openai) throw new Error('EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY or OPENAI_BASE_URL');
    return new OpenAIEmbedding(openai);
  }
  return LocalOnnxEmbedding.create();
}

/** An LLM summarizer when an OpenAI-compatible endpoint is configured, the local rule-based extractor otherwise. */
export function summarizerFor(config: Config): Summarizer {
  const openai = config.providers.openai;
  if (!openai || !config.providers.llm.includes('openai')) return ruleBasedSummarizer;
  return createLlmSummarizer(
    new OpenAILlm({ model: config.providers.llmModel, apiKey: openai.apiKey, baseURL: openai.baseURL }),
  );
}

/** The speech-to-speech agents personas in agent mode may name: those whose key or URL is configured. */
export function agentAdapters(config: Config, resamplers: ResamplerPool): Record<string, AgentAdapter> {
  const { openaiRealtime, geminiLive, idleTimeoutMs } = config.providers.agents;
  const agents: Record<string, AgentAdapter> = {};
  if (openaiRealtime) {
    agents['openai-realtime'] = new OpenAIRealtimeAgent({ ...openaiRealtime, resamplers, idleTimeoutMs });
  }
  if (geminiLive) agents['gemini-live'] = new GeminiLiveAgent({ ...geminiLive, resamplers, idleTimeoutMs });
  return agents;
}

const FIRST_CHUNK_TIMEOUT_MS = { stt: 15_000, llm: 10_000, tts: 8_000 };

/** Ready-made adapters instead of the configured ones (benchmarks and pipeline tests use fakes). */
export type ProviderOverrides = Partial<{ stt: STTAdapter[]; llm: LLMAdapter[]; tts: TTSAdapter[] }>;

/** The configured providers of each capability, in order, with the adapter behind each configured name. */
export async function speechProviders(
  config: Config,
  opts: {
    espeak: EspeakProcess;
    /** Started only when STT_PROVIDERS names `whisper`. */
    whisper: WhisperStt;
    overrides?: ProviderOverrides;
    onFailover(event: FailoverEvent): void;
  },
): Promise<SpeechProviderChains & { close(): Promise<void> }> {
  const openai = config.providers.openai;
  // Providers holding a model in this process, released with the app.
  const owned: { close(): Promise<void> }[] = [];
  const build = async <P extends LabelledProvider>(
    kind: 'stt' | 'llm' | 'tts',
    factories: Record<string, () => P | Promise<P>>,
    given: P[] | undefined,
  ): Promise<ProviderSet<P>> => {
    const named: [string, P][] = given
      ? given.map((p) => [p.label, p])
      : await Promise.all(
          config.providers[kind].map(async (name): Promise<[string, P]> => {
            const factory = factories[name];
            if (!factory) throw new Error(`${kind.toUpperCase()}_PROVIDERS: unknown provider "${name}"`);
            return [name, await factory()];
          }),
        );
    const chain = ProviderChain.create(
      named.map(([, p]) => p),
      { firstChunkTimeoutMs: FIRST_CHUNK_TIMEOUT_MS[kind], onEvent: opts.onFailover },
    );
    return { chain, labels: Object.fromEntries(named.map(([name, p]) => [name, p.label])) };
  };
  const needOpenAI = (what: string) => {
    if (!openai) throw new Error(`${what} "openai" needs OPENAI_API_KEY or OPENAI_BASE_URL`);
    return openai;
  };
  const overrides = opts.overrides ?? {};
  return {
    stt: await build<STTAdapter>(
      'stt',
      {
        // Loaded at start-up: a missing model fails here, naming its path.
        whisper: async () => {
          await opts.whisper.start();
          return opts.whisper;
        },
        local: () => new PocketsphinxStt(),
        openai: () => new OpenAiStt(needOpenAI('STT_PROVIDERS')),
        google: () => createGoogleStt(),
      },
      overrides.stt,
    ),
    llm: await build<LLMAdapter>(
      'llm',
      {
        // Loaded at start-up: a missing or corrupt model fails here, naming its path.
        llama: async () => {
          const llama = await LlamaCppLlm.create(config.providers.llama);
          owned.push(llama);
          return llama;
        },
        local: () => new LocalResponderLlm(),
        openai: () => new OpenAILlm({ ...needOpenAI('LLM_PROVIDERS'), model: config.providers.llmModel }),
      },
      overrides.llm,
    ),
    tts: await build<TTSAdapter>(
      'tts',
      {
        local: () => new EspeakTts({ process: opts.espeak }),
        // Loaded at start-up: a missing voice, or one without its durations output, fails here, naming its path.
        piper: () => PiperTts.create(config.providers.piperVoicePath),
        openai: () => new OpenAITts(needOpenAI('TTS_PROVIDERS')),
        google: () => new GoogleTts(),
      },
      overrides.tts,
    ),
    close: async () => {
      await Promise.all(owned.map((p) => p.close()));
    },
  };
}
