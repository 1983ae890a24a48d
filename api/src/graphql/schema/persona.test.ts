import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test-support/harness';
import {
  CreatePersonaMutation,
  PersonasQuery,
  UpdatePersonaMutation,
} from '../../../test-support/operations';

let t: TestApp;
let admin: string;
let alice: string;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.token('admin');
  alice = await t.token('alice');
});
afterAll(() => t?.stop());

const countPersonas = () => t.app.services.db.prisma.persona.count();

describe('personas', () => {
  it('lets an admin create a persona with rig, gestures and capabilities', async () => {
    const res = await t.gql(
      CreatePersonaMutation,
      {
        input: {
          name: 'Ada',
          systemPrompt: 'You are Ada, a friendly museum guide.',
          avatarRig: 'oculus',
          gestureLibrary: ['nod', 'wave'],
          visemeMap: { AA: 'aa' },
        },
      },
      admin,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.createPersona).toMatchObject({
      name: 'Ada',
      avatarRig: 'oculus',
      gestureLibrary: ['nod', 'wave'],
      visemeMap: { AA: 'aa' },
      defaultEmotion: 'neutral',
    });
  });

  it('refuses non-admins with FORBIDDEN and anonymous callers with UNAUTHENTICATED', async () => {
    const before = await countPersonas();
    const asUser = await t.gql(CreatePersonaMutation, { input: { name: 'X', systemPrompt: 'x' } }, alice);
    expect(asUser.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = await t.gql(CreatePersonaMutation, { input: { name: 'Y', systemPrompt: 'y' } });
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await countPersonas()).toBe(before);
  });

  it.each([
    ['an empty name', { name: '  ', systemPrompt: 'ok' }, 'name'],
    ['an unknown rig', { name: 'Rig', systemPrompt: 'ok', avatarRig: 'blender' }, 'avatarRig'],
    [
      'a gesture id with spaces',
      { name: 'G', systemPrompt: 'ok', gestureLibrary: ['big wave'] },
      'gestureLibrary',
    ],
    ['an unknown capability', { name: 'C', systemPrompt: 'ok', capabilities: ['teleport'] }, 'capabilities'],
    [
      'a viseme map that is not a string map',
      { name: 'V', systemPrompt: 'ok', visemeMap: { AA: 3 } },
      'visemeMap',
    ],
  ])('rejects %s with BAD_INPUT naming the field, storing nothing', async (_label, input, field) => {
    const before = await countPersonas();
    const res = await t.gql(CreatePersonaMutation, { input }, admin);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_INPUT' });
    expect(res.errors?.[0]?.message).toContain(field);
    expect(await countPersonas()).toBe(before);
  });

  it('answers CONFLICT for a duplicate name', async () => {
    await t.gql(CreatePersonaMutation, { input: { name: 'Twin', systemPrompt: 'a' } }, admin);
    const res = await t.gql(CreatePersonaMutation, { input: { name: 'Twin', systemPrompt: 'b' } }, admin);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
  });

  it('updates only the fields sent; unknown ids are NOT_FOUND, malformed ones BAD_INPUT', async () => {
    const created = await t.gql(CreatePersonaMutation, { input: { name: 'Up', systemPrompt: 'p' } }, admin);
    const id = created.data!.createPersona.id;
    const res = await t.gql(UpdatePersonaMutation, { id, input: { voice: 'en-gb' } }, admin);
    expect(res.data?.updatePersona).toMatchObject({ name: 'Up', voice: 'en-gb', greeting: 'Hello!' });
    const missing = await t.gql(
      UpdatePersonaMutation,
      { id: encodeGlobalID('Persona', randomUUID()), input: { voice: 'en-gb' } },
      admin,
    );
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const malformed = await t.gql(UpdatePersonaMutation, { id: 'nope', input: { voice: 'en-gb' } }, admin);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_INPUT' });
  });

  it('pages through personas with cursors', async () => {
    for (const name of ['P1', 'P2', 'P3']) {
      await t.gql(CreatePersonaMutation, { input: { name, systemPrompt: 'x' } }, admin);
    }
    const seen: string[] = [];
    let after: string | null | undefined;
    do {
      const page = await t.gql(PersonasQuery, { first: 2, after }, alice);
      expect(page.errors).toBeUndefined();
      seen.push(...page.data!.personas.edges.map((e) => e.node.name));
      after = page.data!.personas.pageInfo.hasNextPage ? page.data!.personas.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['P1', 'P2', 'P3', 'Ada']));
  });
});
