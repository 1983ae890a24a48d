/**
 * End of user speech → first SpeechChunk delivered to a graphql-ws subscriber, through the whole real server:
 * audio socket, microphone input and VAD, the session runtime, the speech renderer (visemes, wav2arkit frames),
 * the event log and pub/sub, graphql-ws. STT, LLM and TTS are zero-latency fakes, so only our own overhead is
 * timed. "End of speech" is the client's `control.end_turn` (the VAD's silence wait is a setting, not overhead).
 * It runs twice, tracing off and then on (spans batched to a local OTLP/HTTP receiver), and prints the ratio.
 */
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { FakeLlm } from '../src/adapters/llm/testing/fake';
import { FakeStt } from '../src/adapters/stt/testing/fake';
import { FakeTts } from '../src/adapters/tts/testing/fake';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  SessionEventsSubscription,
} from '../test-support/operations';
import { startOtlpReceiver } from '../test-support/otlp-receiver';
import { synthesizeSpeech } from '../test-support/speech';
import { percentile, round, speakInRealTime, startBenchApp } from './support';

// Stays under the per-session limit of 30 turns a minute.
const TURNS = 25;
/** First turns pay one-off costs (JIT, model warm-up, resampler creation) and are not counted. */
const WARMUP_TURNS = 3;

export async function benchDelivery(): Promise<Record<string, number | string>> {
  const off = await deliveryLatencies({});
  const receiver = await startOtlpReceiver();
  let on: number[];
  try {
    on = await deliveryLatencies({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  } finally {
    await receiver.close();
  }
  return {
    'delivery.turns': TURNS,
    'delivery.end_of_speech_to_first_chunk_p50_ms': round(percentile(off, 50)),
    'delivery.end_of_speech_to_first_chunk_p95_ms': round(percentile(off, 95)),
    'delivery.target_p95_ms': 30,
    'delivery.tracing_on.end_of_speech_to_first_chunk_p50_ms': round(percentile(on, 50)),
    'delivery.tracing_on_vs_off_p50_ratio': round(percentile(on, 50) / percentile(off, 50)),
    'delivery.tracing_spans_received': receiver.spans.length,
    'delivery.tracing_target_ratio': 1.05,
  };
}

/** End of speech → first chunk delivered, per counted turn, on an app configured by `env`. */
async function deliveryLatencies(env: Record<string, string>): Promise<number[]> {
  const bench = await startBenchApp({
    env,
    providers: {
      stt: [new FakeStt({ transcript: 'when does the museum open' })],
      llm: [
        new FakeLlm({
          content: JSON.stringify({ text: 'We open at nine. See you then!', emotion: 'happy' }),
        }),
      ],
      tts: [new FakeTts({ script: { msPerChar: 60, chunkMs: 200, latencyMs: 0, interChunkDelayMs: 0 } })],
    },
  });
  const { gql } = bench;
  try {
    const persona = await gql<{ createPersona: { id: string } }>(CreatePersonaMutation, {
      // Default capabilities: memory recall (a local embedding per turn) is part of what is timed.
      input: { name: 'Bench', systemPrompt: 'x' },
    });
    const { createSession } = await gql<{
      createSession: { session: { id: string }; sessionToken: string; audioUrl: string; graphqlUrl: string };
    }>(CreateSessionMutation, { input: { personaId: persona.createPersona.id } });

    let onChunk: () => void = () => undefined;
    let onDone: () => void = () => undefined;
    const client = createClient({
      url: createSession.graphqlUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${createSession.sessionToken}` },
    });
    client.subscribe(
      { query: print(SessionEventsSubscription), variables: { sessionId: createSession.session.id } },
      {
        next: ({ data }) => {
          const type = (data as { sessionEvents?: { __typename: string } } | undefined)?.sessionEvents
            ?.__typename;
          if (type === 'SpeechChunk') onChunk();
          if (type === 'ResponseDone') onDone();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const socket = new WebSocket(`${createSession.audioUrl}?token=${createSession.sessionToken}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const speech = (await synthesizeSpeech('When does the museum open?')).samples;

    const latencies: number[] = [];
    for (let turn = 0; turn < WARMUP_TURNS + TURNS; turn++) {
      await speakInRealTime(socket, speech);
      const firstChunk = new Promise<void>((resolve) => {
        onChunk = resolve;
      });
      const done = new Promise<void>((resolve) => {
        onDone = resolve;
      });
      const endedAt = performance.now();
      socket.send(JSON.stringify({ type: 'control.end_turn' }));
      const answered = await Promise.race([
        firstChunk.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
      if (!answered) throw new Error(`turn ${turn}: no SpeechChunk within 10 s of the end of speech`);
      if (turn >= WARMUP_TURNS) latencies.push(performance.now() - endedAt);
      onChunk = () => undefined;
      await done;
      // Let the answer "play out" on the server clock so the next turn is not a barge-in.
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.send(JSON.stringify({ type: 'interrupt' }));
    }
    socket.close();
    await client.dispose();
    return latencies;
  } finally {
    await bench.stop();
  }
}
