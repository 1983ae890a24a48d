import { type Message, MessageType, stringifyMessage } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { serializedPayloads } from './graphql-ws';

describe('serializedPayloads', () => {
  it('puts back the exact message graphql-ws would have sent, serializing a shared result once', () => {
    const payloads = serializedPayloads();
    let serialized = 0;
    const data = { sessionEvents: { __typename: 'SpeechChunk', text: 'a "quoted" \u0000 word' } };
    const result = {} as { data: typeof data };
    Object.defineProperty(result, 'data', {
      enumerable: true,
      get: () => {
        serialized++;
        return data;
      },
    });
    for (const id of ['1', 'two', '"\u0000payload"}']) {
      const sent = payloads.complete(
        stringifyMessage({ id, type: MessageType.Next, payload: result }, payloads.replacer),
      );
      expect(JSON.parse(sent)).toEqual({ id, type: 'next', payload: { data } });
    }
    expect(serialized).toBe(1);
  });

  it('leaves every other message as graphql-ws wrote it', () => {
    const payloads = serializedPayloads();
    const messages: Message[] = [
      { type: MessageType.ConnectionAck, payload: { type: 'next', payload: { x: 1 } } },
      { id: '1', type: MessageType.Error, payload: [{ message: 'nope', extensions: { code: 'NOT_FOUND' } }] },
      { id: '1', type: MessageType.Complete },
      { type: MessageType.Pong },
    ];
    for (const message of messages) {
      const sent = payloads.complete(stringifyMessage(message, payloads.replacer));
      expect(sent).toBe(JSON.stringify(message));
    }
  });
});
