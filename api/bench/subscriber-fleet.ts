/**
 * Many WebSocket readers in a process of their own, so the server's CPU can be measured without theirs. Driven
 * over IPC by `fanout.bench.ts`. A reader speaks just enough graphql-ws to subscribe (or nothing, for a plain
 * `ws` broadcast) and does not parse what it gets: it counts messages and answers (`ResponseDone`), so the
 * fleet stays cheap next to the server it measures.
 */
import WebSocket from 'ws';

export type FleetCommand =
  | { type: 'connect'; url: string; count: number; graphql?: { token: string } }
  | { type: 'subscribe'; readers: number; query: string; variables: Record<string, unknown> }
  | { type: 'reset'; capture: boolean }
  | { type: 'await'; answers: number }
  | { type: 'unsubscribe' }
  | { type: 'close' };

export type FleetReply =
  | { type: 'connected' }
  | { type: 'subscribed' }
  | { type: 'reset' }
  | { type: 'answered'; messages: number; bytes: number; captured: string[] }
  | { type: 'unsubscribed' }
  | { type: 'error'; message: string };

interface Reader {
  socket: WebSocket;
  messages: number;
  bytes: number;
  answers: number;
  captured: string[] | null;
}

const DONE_MARK = '"ResponseDone"';
const SUBSCRIPTION_ID = 'fanout';
let readers: Reader[] = [];
/** Readers counted in the current phase: the first `active` ones. */
let active = 0;
let waiting: { answers: number; resolve: () => void } | null = null;
let closing = false;

const reply = (message: FleetReply) => process.send?.(message);

function settled(): boolean {
  return waiting !== null && readers.slice(0, active).every((r) => r.answers >= waiting!.answers);
}

function open(url: string, graphql?: { token: string }): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, graphql ? 'graphql-transport-ws' : undefined);
    const reader: Reader = { socket, messages: 0, bytes: 0, answers: 0, captured: null };
    socket.once('error', reject);
    // A reader the server cut off would never see its answers: fail the measurement instead of waiting forever.
    socket.once('close', (code, reason) => {
      if (!closing) reply({ type: 'error', message: `a reader was closed: ${code} ${reason.toString()}` });
    });
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (graphql && text.startsWith('{"type":"connection_ack"')) return resolve(reader);
      if (graphql && text.startsWith('{"type":"ping"')) return socket.send('{"type":"pong"}');
      reader.messages++;
      reader.bytes += text.length;
      reader.captured?.push(text);
      if (text.includes(DONE_MARK)) {
        reader.answers++;
        if (settled()) {
          waiting?.resolve();
          waiting = null;
        }
      }
    });
    socket.once('open', () => {
      if (!graphql) return resolve(reader);
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${graphql.token}` } }),
      );
    });
  });
}

async function handle(command: FleetCommand): Promise<FleetReply | null> {
  switch (command.type) {
    case 'connect': {
      readers = [];
      // In small groups: a burst of upgrades would trip the per-address connection limit's burst, not measure it.
      for (let i = 0; i < command.count; i += 10) {
        const group = Math.min(10, command.count - i);
        readers.push(
          ...(await Promise.all(Array.from({ length: group }, () => open(command.url, command.graphql)))),
        );
      }
      active = readers.length;
      return { type: 'connected' };
    }
    case 'subscribe': {
      active = command.readers;
      const message = JSON.stringify({
        id: SUBSCRIPTION_ID,
        type: 'subscribe',
        payload: { query: command.query, variables: command.variables },
      });
      for (const reader of readers.slice(0, active)) reader.socket.send(message);
      return { type: 'subscribed' };
    }
    case 'reset':
      for (const r of readers) Object.assign(r, { messages: 0, bytes: 0, answers: 0, captured: null });
      if (command.capture && readers[0]) readers[0].captured = [];
      return { type: 'reset' };
    case 'await': {
      await new Promise<void>((resolve) => {
        waiting = { answers: command.answers, resolve };
        if (settled()) resolve();
      });
      waiting = null;
      const counted = readers.slice(0, active);
      return {
        type: 'answered',
        messages: counted.reduce((n, r) => n + r.messages, 0),
        bytes: counted.reduce((n, r) => n + r.bytes, 0),
        captured: readers[0]?.captured ?? [],
      };
    }
    case 'unsubscribe': {
      const message = JSON.stringify({ id: SUBSCRIPTION_ID, type: 'complete' });
      for (const reader of readers.slice(0, active)) reader.socket.send(message);
      return { type: 'unsubscribed' };
    }
    case 'close':
      closing = true;
      for (const reader of readers) reader.socket.terminate();
      process.exit(0);
  }
}

process.on('message', (command: FleetCommand) => {
  handle(command).then(
    (answer) => answer && reply(answer),
    (err: unknown) => reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
