import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test-support/harness';
import { seedConversation } from '../../../test-support/seed';
import { FakeEmbedding } from '../../adapters/embedding/testing/fake';
import type { BackgroundWork } from '../../services/background';
import { ModerationService } from '../../services/moderation';

type Vars = Record<string, unknown>;
const op = <R>(source: string) => parse(source) as TypedDocumentNode<R, Vars>;

const MemoriesQuery = op<{
  memories: {
    edges: { cursor: string; node: { id: string; text: string; sourceSessionId: string | null } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string };
  };
}>(`query Memories($userId: ID, $first: Int, $after: String, $search: String) {
  memories(userId: $userId, first: $first, after: $after, search: $search) {
    edges { cursor node { id text sourceSessionId } } pageInfo { hasNextPage endCursor } } }`);
const SearchMemoriesQuery = op<{ searchMemories: { similarity: number; memory: { text: string } }[] }>(
  `query Search($personaId: ID!, $query: String!) { searchMemories(personaId: $personaId, query: $query, limit: 1) { similarity memory { text } } }`,
);
const UpdateImportance = op<{ updateMemoryImportance: { importance: number } }>(
  `mutation U($id: ID!, $importance: Float!) { updateMemoryImportance(id: $id, importance: $importance) { importance } }`,
);
const DeleteMemory = op<{ deleteMemory: boolean }>(`mutation D($id: ID!) { deleteMemory(id: $id) }`);
const CreatePolicy = op<{ createModerationPolicy: { id: string; blockTerms: string[] } }>(
  `mutation P($input: ModerationPolicyInput!) { createModerationPolicy(input: $input) { id blockTerms } }`,
);
const FlagsQuery = op<{
  moderationFlags: { edges: { node: { id: string; text: string; status: string } }[] };
}>(
  `query F($status: FlagStatus) { moderationFlags(status: $status, first: 50) { edges { node { id text status } } } }`,
);
const ReviewFlags = op<{
  reviewModerationFlags: { status: string; reviewer: { username: string } | null }[];
}>(
  `mutation R($ids: [ID!]!, $decision: ReviewDecision!) { reviewModerationFlags(ids: $ids, decision: $decision) { status reviewer { username } } }`,
);
const RequestExport = op<{ requestDataExport: { id: string; status: string } }>(
  `mutation E { requestDataExport { id status } }`,
);
const RequestDeletion = op<{ requestDataDeletion: { id: string } }>(
  `mutation X { requestDataDeletion { id } }`,
);
const PrivacyRequestQuery = op<{
  privacyRequest: { status: string; result: { empty: boolean; counts?: Record<string, number> } | null };
}>(`query Q($id: ID!) { privacyRequest(id: $id) { status result } }`);

describe('memory, moderation and privacy over GraphQL', () => {
  let t: TestApp;
  let workflows: BackgroundWork;
  let admin: string;
  let alice: string;
  let bob: string;
  const embedding = new FakeEmbedding();

  beforeAll(async () => {
    // The embedded default as npm start runs it: a local Temporal dev server and an in-process worker.
    t = await startTestApp({ env: { WORKFLOWS: 'embedded' }, overrides: { embedding } });
    workflows = t.app.services.workflows!;
    [admin, alice, bob] = await Promise.all([t.token('admin'), t.token('alice'), t.token('bob')]);
  });

  afterAll(() => t?.stop());

  const userId = (username: string) =>
    t.app.services.db.prisma.user.findUniqueOrThrow({ where: { username } }).then((u) => u.id);

  async function aliceMemories() {
    const db = t.app.services.db;
    const s = await seedConversation(
      db,
      [{ role: 'USER', text: 'My name is Alice. I love jazz. I have a cat.' }],
      {
        userId: await userId('alice'),
      },
    );
    await workflows.result(await workflows.startSessionSummary(s.sessionId));
    return s;
  }

  it('lists only your own memories with cursor pagination and their source session; admins see anyone’s', async () => {
    const s = await aliceMemories();
    const page1 = await t.gql(MemoriesQuery, { first: 2 }, alice);
    expect(page1.errors).toBeUndefined();
    expect(page1.data!.memories.edges).toHaveLength(2);
    expect(page1.data!.memories.pageInfo.hasNextPage).toBe(true);
    const page2 = await t.gql(
      MemoriesQuery,
      { first: 10, after: page1.data!.memories.pageInfo.endCursor },
      alice,
    );
    const all = [...page1.data!.memories.edges, ...page2.data!.memories.edges].map((e) => e.node);
    expect(all.map((m) => m.text)).toEqual(
      expect.arrayContaining(["The user's name is Alice.", 'The user loves jazz.']),
    );
    expect(all.every((m) => m.sourceSessionId === encodeGlobalID('Session', s.sessionId))).toBe(true);

    expect((await t.gql(MemoriesQuery, {}, bob)).data!.memories.edges).toEqual([]);
    const snoop = await t.gql(MemoriesQuery, { userId: encodeGlobalID('User', await userId('alice')) }, bob);
    expect(snoop.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const asAdmin = await t.gql(
      MemoriesQuery,
      { userId: encodeGlobalID('User', await userId('alice')), search: 'jazz' },
      admin,
    );
    const texts = asAdmin.data!.memories.edges.map((e) => e.node.text);
    expect(texts).toContain('The user loves jazz.');
    expect(texts.every((text) => text.toLowerCase().includes('jazz'))).toBe(true);
  });

  it('searches by meaning, edits importance and forgets a memory; others cannot touch it', async () => {
    const s = await aliceMemories();
    const found = await t.gql(
      SearchMemoriesQuery,
      { personaId: encodeGlobalID('Persona', s.personaId), query: 'loves jazz' },
      alice,
    );
    expect(found.data!.searchMemories[0]!.memory.text).toBe('The user loves jazz.');
    const listed = (await t.gql(MemoriesQuery, { search: 'jazz' }, alice)).data!.memories.edges;
    const id = listed.find((e) => e.node.text === 'The user loves jazz.')!.node.id;

    const bobEdit = await t.gql(UpdateImportance, { id, importance: 0.1 }, bob);
    expect(bobEdit.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const bad = await t.gql(UpdateImportance, { id, importance: 7 }, alice);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_INPUT' });
    expect(
      (await t.gql(UpdateImportance, { id, importance: 0.95 }, alice)).data!.updateMemoryImportance
        .importance,
    ).toBe(0.95);

    expect((await t.gql(DeleteMemory, { id }, alice)).data!.deleteMemory).toBe(true);
    const again = await t.gql(DeleteMemory, { id }, alice);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const missing = await t.gql(DeleteMemory, { id: encodeGlobalID('Memory', 'nope') }, alice);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lets admins manage policies and review flagged answers; users are refused', async () => {
    const refused = await t.gql(CreatePolicy, { input: { name: 'nope', blockTerms: ['x'] } }, alice);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const badPolicy = await t.gql(
      CreatePolicy,
      { input: { name: 'bad', categories: [{ name: '' }] } },
      admin,
    );
    expect(badPolicy.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_INPUT' });
    const created = await t.gql(
      CreatePolicy,
      { input: { name: 'gql rules', blockTerms: ['forbidden topic'] } },
      admin,
    );
    expect(created.data!.createModerationPolicy.blockTerms).toEqual(['forbidden topic']);

    const s = await seedConversation(t.app.services.db, [{ role: 'ASSISTANT', text: 'placeholder' }], {
      userId: await userId('alice'),
    });
    const moderation = new ModerationService({
      db: t.app.services.db,
      logger: { info: () => undefined, warn: () => undefined },
    });
    const outcome = await moderation.moderate({
      sessionId: s.sessionId,
      personaId: s.personaId,
      text: 'Let us discuss the Forbidden Topic.',
    });
    expect(outcome.allowed).toBe(false);

    const queue = await t.gql(FlagsQuery, { status: 'PENDING' }, admin);
    const flag = queue.data!.moderationFlags.edges.find(
      (e) => e.node.text === 'Let us discuss the Forbidden Topic.',
    );
    expect(flag).toBeDefined();
    expect((await t.gql(FlagsQuery, {}, alice)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const reviewed = await t.gql(ReviewFlags, { ids: [flag!.node.id], decision: 'REJECTED' }, admin);
    expect(reviewed.data!.reviewModerationFlags).toEqual([
      { status: 'REJECTED', reviewer: { username: 'admin' } },
    ]);
  });

  it('exports and deletes your data through durable workflows, and says when there is nothing', async () => {
    const emptyExport = await t.gql(RequestExport, {}, bob);
    const poll = async (id: string, token: string) => {
      for (;;) {
        const res = await t.gql(PrivacyRequestQuery, { id }, token);
        if (res.data?.privacyRequest.status === 'COMPLETED' || res.errors) return res;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    expect(
      (await poll(emptyExport.data!.requestDataExport.id, bob)).data!.privacyRequest.result,
    ).toMatchObject({ empty: true });

    await aliceMemories();
    const exported = await t.gql(RequestExport, {}, alice);
    const id = exported.data!.requestDataExport.id;
    expect((await t.gql(PrivacyRequestQuery, { id }, bob)).errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
    });
    const unknown = await t.gql(PrivacyRequestQuery, { id: encodeGlobalID('PrivacyRequest', 'nope') }, alice);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const document = (await poll(id, alice)).data!.privacyRequest.result!;
    expect(document.empty).toBe(false);
    expect(document.counts?.memories).toBeGreaterThan(0);

    const deletion = await t.gql(RequestDeletion, {}, alice);
    const deleted = (await poll(deletion.data!.requestDataDeletion.id, alice)).data!.privacyRequest
      .result as unknown as {
      deleted: Record<string, number>;
    };
    expect(deleted.deleted.memories).toBeGreaterThan(0);
    expect(await t.app.services.db.prisma.session.count({ where: { userId: await userId('alice') } })).toBe(
      0,
    );
  });
});
