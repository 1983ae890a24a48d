import { z } from 'zod';
import type { WorkflowsClient } from '../../../../workflows/src/client';
import type { MemoryService } from '../../db/memory-repository';
import { AppError, ForbiddenError, NotFoundError } from '../../errors';
import type { ModerationService } from '../../moderation/moderation-service';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';

/** Services these schema files need from `AppServices` (wired in app.ts). */
export interface MemoryFeatureServices {
  memories: MemoryService;
  moderation: ModerationService;
  /** Null when background workflows are off (WORKFLOWS=off). */
  workflows: WorkflowsClient | null;
}

/** The memory, moderation and privacy services, or UNAVAILABLE when the app was built without them. */
export function featureServices(ctx: GraphQLContext): MemoryFeatureServices {
  const services = ctx.services as GraphQLContext['services'] & Partial<MemoryFeatureServices>;
  if (!services.memories || !services.moderation) {
    throw new AppError('UNAVAILABLE', 'Memory and moderation services are not configured');
  }
  return {
    memories: services.memories,
    moderation: services.moderation,
    workflows: services.workflows ?? null,
  };
}

/** The user whose data an operation touches: yourself, or anyone for an admin. */
export function ownerFor(ctx: GraphQLContext, requestedUserId: string | null | undefined): string {
  const viewer = ctx.viewer;
  if (!viewer) throw new ForbiddenError();
  if (!requestedUserId || requestedUserId === viewer.userId) return viewer.userId;
  if (viewer.role !== 'ADMIN') throw new ForbiddenError('Only admins can act on other users’ data');
  return requestedUserId;
}

const MemoryKindEnum = builder.enumType('MemoryKind', {
  values: ['FACT', 'PREFERENCE', 'EVENT', 'SUMMARY'] as const,
});

export const MemoryRef = builder.prismaNode('Memory', {
  id: { field: 'id' },
  authScopes: (memory, ctx) => ctx.viewer?.userId === memory.userId || ctx.viewer?.role === 'ADMIN',
  fields: (t) => ({
    text: t.exposeString('text'),
    kind: t.expose('kind', { type: MemoryKindEnum }),
    importance: t.exposeFloat('importance'),
    userId: t.exposeID('userId'),
    personaId: t.exposeID('personaId'),
    sourceSessionId: t.exposeID('sourceSessionId', { nullable: true }),
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
      userId: t.arg.id({ required: false }),
      personaId: t.arg.id({ required: false }),
      search: t.arg.string({ required: false, description: 'Case-insensitive text filter.' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.prisma.memory.findMany({
        ...query,
        where: {
          userId: ownerFor(ctx, args.userId ? String(args.userId) : null),
          deletedAt: null,
          ...(args.personaId ? { personaId: String(args.personaId) } : {}),
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
      personaId: t.arg.id({ required: true }),
      query: t.arg.string({ required: true, validate: z.string().trim().min(1).max(2_000) }),
      userId: t.arg.id({ required: false }),
      limit: t.arg.int({ required: false, defaultValue: 8, validate: z.number().int().min(1).max(50) }),
    },
    resolve: async (_root, args, ctx) => {
      const { memories } = featureServices(ctx);
      const [embedding] = await memories.embedding.embed([args.query]);
      return memories.repository.search({
        userId: ownerFor(ctx, args.userId ? String(args.userId) : null),
        personaId: String(args.personaId),
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
      await featureServices(ctx).memories.repository.setImportance(id.id, importance);
      return ctx.services.db.prisma.memory.findUniqueOrThrow({ ...query, where: { id: id.id } });
    },
  }),
  deleteMemory: t.boolean({
    authScopes: { user: true },
    description: 'Forgets a memory at once (retrieval ignores it); maintenance purges it later.',
    args: { id: t.arg.globalID({ required: true, for: MemoryRef }) },
    resolve: async (_root, { id }, ctx) => {
      await ownMemory(ctx, id.id);
      await featureServices(ctx).memories.repository.softDelete(id.id);
      return true;
    },
  }),
}));
