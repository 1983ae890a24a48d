import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { canReadUserData } from '../../domain/access';
import { ForbiddenError, NotFoundError } from '../../errors';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { PersonaRef } from './persona';
import { UserRef } from './user';

/** The user whose data an operation touches: yourself, or anyone for an admin. */
export function ownerFor(ctx: GraphQLContext, requestedUserId: string | null | undefined): string {
  const viewer = ctx.viewer;
  if (viewer?.scope !== 'api') throw new ForbiddenError('This needs an access token, not a session token');
  if (!requestedUserId || requestedUserId === viewer.userId) return viewer.userId;
  if (viewer.role !== 'ADMIN') throw new ForbiddenError('Only admins can act on other users’ data');
  return requestedUserId;
}

const MemoryKindEnum = builder.enumType('MemoryKind', {
  values: ['FACT', 'PREFERENCE', 'EVENT', 'SUMMARY'] as const,
});

export const MemoryRef = builder.prismaNode('Memory', {
  id: { field: 'id' },
  authScopes: (memory, ctx) => canReadUserData(ctx.viewer, memory.userId),
  fields: (t) => ({
    text: t.exposeString('text'),
    kind: t.expose('kind', { type: MemoryKindEnum }),
    importance: t.exposeFloat('importance'),
    userId: t.id({ resolve: (m) => encodeGlobalID('User', m.userId) }),
    personaId: t.id({ resolve: (m) => encodeGlobalID('Persona', m.personaId) }),
    sourceSessionId: t.id({
      nullable: true,
      resolve: (m) => (m.sourceSessionId ? encodeGlobalID('Session', m.sourceSessionId) : null),
    }),
    sourceSession: t.relation('sourceSession', { nullable: true }),
    persona: t.relation('persona'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    lastAccessedAt: t.expose('lastAccessedAt', { type: 'DateTime', nullable: true }),
  }),
});

const MemoryMatch = builder
  .objectRef<{ id: string; similarity: number; score: number }>('MemoryMatch')
  .implement({
    description: 'A memory found by meaning, with how well it matched.',
    fields: (t) => ({
      memory: t.prismaField({
        type: 'Memory',
        resolve: (query, match, _args, ctx) =>
          ctx.services.db.prisma.memory.findUniqueOrThrow({ ...query, where: { id: match.id } }),
      }),
      similarity: t.exposeFloat('similarity'),
      score: t.exposeFloat('score', { description: 'Similarity blended with importance and recency.' }),
    }),
  });

async function ownMemory(ctx: GraphQLContext, id: string) {
  const memory = await ctx.services.db.prisma.memory.findUnique({ where: { id } });
  if (!memory || memory.deletedAt) throw new NotFoundError('Memory', id);
  ownerFor(ctx, memory.userId);
  return memory;
}

builder.queryFields((t) => ({
  memories: t.prismaConnection({
    type: 'Memory',
    cursor: 'id',
    authScopes: { user: true },
    description: 'Live memories, newest first: your own, or any user’s for admins.',
    args: {
      userId: t.arg.globalID({ required: false, for: UserRef }),
      personaId: t.arg.globalID({ required: false, for: PersonaRef }),
      search: t.arg.string({ required: false, description: 'Case-insensitive text filter.' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.prisma.memory.findMany({
        ...query,
        where: {
          userId: ownerFor(ctx, args.userId?.id),
          deletedAt: null,
          ...(args.personaId ? { personaId: args.personaId.id } : {}),
          ...(args.search ? { text: { contains: args.search, mode: 'insensitive' } } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
  searchMemories: t.field({
    type: [MemoryMatch],
    authScopes: { user: true },
    description: 'Memories by meaning (vector similarity, importance, recency), as the avatar recalls them.',
    args: {
      personaId: t.arg.globalID({ required: true, for: PersonaRef }),
      query: t.arg.string({ required: true, validate: z.string().trim().min(1).max(2_000) }),
      userId: t.arg.globalID({ required: false, for: UserRef }),
      limit: t.arg.int({ required: false, defaultValue: 8, validate: z.number().int().min(1).max(50) }),
    },
    resolve: async (_root, args, ctx) => {
      const { memories } = ctx.services;
      const [embedding] = await memories.embedding.embed([args.query]);
      return memories.repository.search({
        userId: ownerFor(ctx, args.userId?.id),
        personaId: args.personaId.id,
        embedding: embedding!,
        limit: args.limit ?? 8,
        tokenBudget: 100_000,
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  updateMemoryImportance: t.prismaField({
    type: 'Memory',
    authScopes: { user: true },
    args: {
      id: t.arg.globalID({ required: true, for: MemoryRef }),
      importance: t.arg.float({ required: true, validate: z.number().min(0).max(1) }),
    },
    resolve: async (query, _root, { id, importance }, ctx) => {
      await ownMemory(ctx, id.id);
      await ctx.services.memories.repository.setImportance(id.id, importance);
      return ctx.services.db.prisma.memory.findUniqueOrThrow({ ...query, where: { id: id.id } });
    },
  }),
  deleteMemory: t.boolean({
    authScopes: { user: true },
    description: 'Forgets a memory at once (retrieval ignores it); maintenance purges it later.',
    args: { id: t.arg.globalID({ required: true, for: MemoryRef }) },
    resolve: async (_root, { id }, ctx) => {
      await ownMemory(ctx, id.id);
      await ctx.services.memories.repository.softDelete(id.id);
      return true;
    },
  }),
}));
