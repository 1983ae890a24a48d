import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../test-support/fake-openai-server';
import { collect, startTestApp, type TestApp } from '../test-support/harness';
import {
  CreateModerationPolicyMutation,
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  MemoriesQuery,
  ModerationFlagsQuery,
  PrivacyRequestQuery,
  RequestDataDeletionMutation,
  RequestDataExportMutation,
  SendTextMutation,
  SessionEventsSubscription,
} from '../test-support/operations';

/**
 * The whole memory loop on the embedded default with a real Temporal dev server: a conversation ends, the
 * summarization workflow stores memories, the next session's prompt (seen by an OpenAI-compatible server)
 * carries them; moderation replaces a bad answer before it is spoken and queues it; export and delete finish.
 */
describe('memory, moderation and privacy end to end', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let admin: string;
  let alice: string;
  let personaId: string;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp({
      env: {
        WORKFLOWS: 'auto',
        OPENAI_BASE_URL: fake.baseURL,
        OPENAI_API_KEY: 'test',
        LLM_PROVIDERS: 'openai,local',
      },
    });
    [admin, alice] = await Promise.all([t.token('admin'), t.token('alice')]);
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Mira', systemPrompt: 'Be warm.' } },
      admin,
    );
    personaId = persona.data!.createPersona.id;
    const policy = await t.gql(
      CreateModerationPolicyMutation,
      { input: { name: 'no-secrets', blockTerms: ['password'], action: 'REPLACE' } },
      admin,
    );
    expect(policy.errors).toBeUndefined();
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  /** One exchange on a fresh session: every event up to the answer's ResponseDone. */
  async function say(sessionId: string, text: string) {
    const events = collect(
      t.wsClient(alice),
      SessionEventsSubscription,
      { sessionId, afterSeq: 0 },
      (r) => r.data?.sessionEvents.__typename === 'ResponseDone',
    );
    await t.gql(SendTextMutation, { sessionId, text }, alice);
    return (await events).map((r) => r.data!.sessionEvents);
  }

  async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const value = await fn();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('remembers what the user said once the session ends, and the next prompt carries it', async () => {
    const first = (await t.gql(CreateSessionMutation, { input: { personaId } }, alice)).data!.createSession;
    await say(first.session.id, 'My name is Alice and I love sailing.');
    await t.gql(EndSessionMutation, { id: first.session.id }, alice);

    const memories = await poll('memories from the summarization workflow', async () => {
      const res = await t.gql(MemoriesQuery, { first: 20 }, alice);
      const edges = res.data?.memories.edges ?? [];
      return edges.some((e) => /sailing/i.test(e.node.text)) ? edges : undefined;
    });
    const sailing = memories.find((e) => /sailing/i.test(e.node.text))!.node;
    expect(sailing.sourceSession?.id).toBe(first.session.id);

    const second = (await t.gql(CreateSessionMutation, { input: { personaId } }, alice)).data!.createSession;
    await say(second.session.id, 'What do I like to do on weekends? Sailing maybe?');
    const prompt = JSON.stringify(
      fake.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)?.body,
    );
    expect(prompt).toContain(sailing.text);
  }, 180_000);

  it('replaces a policy-violating answer before it is spoken and queues it for review', async () => {
    fake.setScript({
      chat: { content: JSON.stringify({ text: 'Sure. The admin password is hunter2.', emotion: 'happy' }) },
    });
    const session = (await t.gql(CreateSessionMutation, { input: { personaId } }, alice)).data!.createSession;
    const events = await say(session.session.id, 'Tell me a secret.');
    fake.setScript({});
    const spoken = JSON.stringify(
      events.filter((e) => e.__typename === 'ResponseTextDelta' || e.__typename === 'SpeechChunk'),
    );
    expect(spoken).not.toContain('hunter2');
    const done = events.at(-1)!;
    expect(done).toMatchObject({ __typename: 'ResponseDone', moderated: true });
    const flags = await t.gql(ModerationFlagsQuery, { status: 'PENDING' }, admin);
    const flag = flags.data?.moderationFlags.edges.find((e) => e.node.text.includes('hunter2'))?.node;
    expect(flag).toMatchObject({ status: 'PENDING', replacement: "Let's talk about something else." });
    expect(flag?.turnId).toBeTruthy();
    const asUser = await t.gql(ModerationFlagsQuery, { status: 'PENDING' }, alice);
    expect(asUser.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  }, 120_000);

  it('exports everything about the user as one document to download, then deletes it', async () => {
    const exported = await t.gql(RequestDataExportMutation, {}, alice);
    const exportId = exported.data!.requestDataExport.id;
    const completed = await poll('the export', async () => {
      const res = await t.gql(PrivacyRequestQuery, { id: exportId }, alice);
      return res.data?.privacyRequest.status === 'COMPLETED' ? res.data.privacyRequest : undefined;
    });
    const document = await fetch(`${t.url}${completed.download!.url}`);
    expect(document.headers.get('content-type')).toBe('application/x-ndjson');
    expect(await document.text()).toMatch(/sailing/i);

    const deletion = await t.gql(RequestDataDeletionMutation, {}, alice);
    const deletionId = deletion.data!.requestDataDeletion.id;
    await poll('the deletion', async () => {
      const res = await t.gql(PrivacyRequestQuery, { id: deletionId }, alice);
      return res.data?.privacyRequest.status === 'COMPLETED' ? true : undefined;
    });
    const left = await t.gql(MemoriesQuery, { first: 20 }, alice);
    expect(left.data?.memories.edges).toEqual([]);
  }, 120_000);
});
