/**
 * Fan-out cost: the server CPU that each extra subscriber of a session costs per delivered event. The same
 * answers go to 1 and then to 100 graphql-ws subscribers (readers in a process of their own, so only the server's
 * CPU is counted); the difference, divided by the extra messages delivered, is the marginal cost. The baseline in
 * the same run is a plain `ws` broadcast of the very same message bytes to the same readers. LLM and TTS are
 * zero-latency fakes (a 16 kHz tone with per-letter phonemes), so answers carry realistic speech chunks.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { print } from 'graphql';
import { type WebSocket, WebSocketServer } from 'ws';
import { FakeLlm } from '../src/adapters/llm/testing/fake';
import { FakeStt } from '../src/adapters/stt/testing/fake';
import { FakeTts } from '../src/adapters/tts/testing/fake';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  SendTextMutation,
  SessionEventsSubscription,
} from '../test-support/operations';
import type { FleetCommand, FleetReply } from './subscriber-fleet';
import { round, startBenchApp } from './support';

const SUBSCRIBERS = 100;
/** Answers per measurement; each is about 90 speech chunks and as many frame batches. */
const ANSWERS = 3;
const ANSWER_TEXT =
  'Our museum opens at nine every morning and closes at six in the evening. On Thursdays we stay open late, ' +
  'until nine at night, and the first Sunday of each month is free for everyone. Guided tours leave the main ' +
  'hall every hour on the hour.';

const ROUNDS = 3;
const ASK_TIMEOUT_MS = 60_000;

/** The reader fleet as a child process, asked one thing at a time. */
function startFleet() {
  const child: ChildProcess = fork(path.join(import.meta.dirname, 'subscriber-fleet.ts'), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    ask<T extends FleetReply['type']>(command: FleetCommand, answer: T) {
      return new Promise<Extract<FleetReply, { type: T }>>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onReply);
          reject(new Error(`reader fleet: no '${answer}' within ${ASK_TIMEOUT_MS} ms of '${command.type}'`));
        }, ASK_TIMEOUT_MS);
        const onReply = (message: FleetReply) => {
          clearTimeout(timer);
          child.off('message', onReply);
          if (message.type === answer) resolve(message as Extract<FleetReply, { type: T }>);
          else
            reject(new Error(`reader fleet: ${message.type === 'error' ? message.message : message.type}`));
        };
        child.on('message', onReply);
        child.send(command);
      });
    },
    close: () => child.send({ type: 'close' } satisfies FleetCommand),
  };
}

type Fleet = ReturnType<typeof startFleet>;

/** Server CPU (µs) and what the readers got while `deliver` ran and the readers saw `answers` answers. */
async function measure(fleet: Fleet, answers: number, capture: boolean, deliver: () => Promise<void>) {
  await fleet.ask({ type: 'reset', capture }, 'reset');
  const cpu = process.cpuUsage();
  await deliver();
  const got = await fleet.ask({ type: 'await', answers }, 'answered');
  const used = process.cpuUsage(cpu);
  return { cpuUs: used.user + used.system, ...got };
}

type Measured = Awaited<ReturnType<typeof measure>>;

/**
 * µs of server CPU per message delivered to the extra readers: 1 reader, then all, in alternating rounds; the
 * least of the rounds, as the one least disturbed by whatever else shares this machine.
 */
async function marginalCost(measureWith: (readers: number) => Promise<Measured>) {
  const costs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const one = await measureWith(1);
    const many = await measureWith(SUBSCRIBERS);
    costs.push((many.cpuUs - one.cpuUs) / (many.messages - one.messages));
  }
  return { least: Math.min(...costs), rounds: costs.map(round).join(', ') };
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchFanout(): Promise<Record<string, number | string>> {
  const bench = await startBenchApp({
    env: {
      MAX_SOCKETS_PER_USER: String(SUBSCRIBERS + 10),
      MAX_SUBSCRIPTIONS_PER_USER: String(SUBSCRIBERS + 10),
      CONNECTIONS_PER_MINUTE_PER_IP: String(SUBSCRIBERS * 10),
    },
    providers: {
      stt: [new FakeStt({ transcript: 'unused' })],
      llm: [new FakeLlm({ content: JSON.stringify({ text: ANSWER_TEXT, emotion: 'happy' }) })],
      tts: [new FakeTts()],
    },
  });
  const fleet = startFleet();
  const broadcaster = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  try {
    const persona = await bench.gql<{ createPersona: { id: string } }>(CreatePersonaMutation, {
      input: { name: 'Fan-out', systemPrompt: 'x' },
    });
    const { createSession } = await bench.gql<{
      createSession: { session: { id: string }; sessionToken: string; graphqlUrl: string };
    }>(CreateSessionMutation, { input: { personaId: persona.createPersona.id } });
    const sessionId = createSession.session.id;
    const answer = async () => {
      await bench.gql(SendTextMutation, { sessionId, text: 'When are you open?' });
    };
    await fleet.ask(
      {
        type: 'connect',
        url: createSession.graphqlUrl,
        count: SUBSCRIBERS,
        graphql: { token: createSession.sessionToken },
      },
      'connected',
    );

    // Ours: the answers through the session runtime, the event log, pub/sub and graphql-ws.
    const query = print(SessionEventsSubscription);
    const answerAll = (count: number) => async () => {
      for (let i = 1; i <= count; i++) {
        await answer();
        await fleet.ask({ type: 'await', answers: i }, 'answered');
      }
    };
    const subscribed = async <R>(readers: number, run: () => Promise<R>) => {
      await fleet.ask({ type: 'subscribe', readers, query, variables: { sessionId } }, 'subscribed');
      // Subscriptions are live-only: let the server attach them before the first event.
      await pause(500);
      const result = await run();
      await fleet.ask({ type: 'unsubscribe' }, 'unsubscribed');
      return result;
    };
    await subscribed(SUBSCRIBERS, () => measure(fleet, 1, false, answerAll(1))); // warm-up: JIT, first uses
    const sample = await subscribed(1, () => measure(fleet, ANSWERS, true, answerAll(ANSWERS)));
    const ours = await marginalCost((readers) =>
      subscribed(readers, () => measure(fleet, ANSWERS, false, answerAll(ANSWERS))),
    );

    // Baseline: the very bytes one subscriber got, sent to the same readers by a bare ws server.
    const targets = new Set<WebSocket>();
    broadcaster.on('connection', (socket) =>
      socket.on('message', (data) => {
        if (data.toString().includes('"subscribe"')) targets.add(socket);
        else targets.delete(socket);
      }),
    );
    const { port } = broadcaster.address() as { port: number };
    await fleet.ask({ type: 'connect', url: `ws://127.0.0.1:${port}`, count: SUBSCRIBERS }, 'connected');
    const broadcast = async () => {
      for (const [i, bytes] of sample.captured.entries()) {
        for (const socket of targets) socket.send(bytes);
        // Like a server that keeps up with its readers, not one that queues everything in memory.
        if (i % 20 === 19) {
          while ([...targets].some((socket) => socket.bufferedAmount > 256 * 1024)) await pause(1);
        }
      }
    };
    const baseline = await marginalCost((readers) =>
      subscribed(readers, () => measure(fleet, ANSWERS, false, broadcast)),
    );

    return {
      'fanout.subscribers': SUBSCRIBERS,
      'fanout.messages_per_subscriber': sample.messages,
      'fanout.mean_message_bytes': Math.round(sample.bytes / sample.messages),
      'fanout.graphql_ws_us_per_extra_message': `${round(ours.least)} (rounds: ${ours.rounds})`,
      'fanout.plain_ws_us_per_extra_message': `${round(baseline.least)} (rounds: ${baseline.rounds})`,
      'fanout.plain_over_ours_ratio': round(baseline.least / ours.least),
      'fanout.target_ratio': 0.5,
    };
  } finally {
    fleet.close();
    await new Promise((resolve) => broadcaster.close(resolve));
    await bench.stop();
  }
}
