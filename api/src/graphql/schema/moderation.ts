import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { policyCategoriesSchema } from '../../domain/moderation';
import { builder } from '../builder';
import { PersonaRef } from './persona';
import { SessionRef } from './session';

const ModerationActionEnum = builder.enumType('ModerationAction', { values: ['REPLACE', 'FLAG'] as const });
const FlagStatusEnum = builder.enumType('FlagStatus', {
  values: ['PENDING', 'APPROVED', 'REJECTED'] as const,
});
const ReviewDecisionEnum = builder.enumType('ReviewDecision', { values: ['APPROVED', 'REJECTED'] as const });

export const ModerationPolicyRef = builder.prismaNode('ModerationPolicy', {
  id: { field: 'id' },
  authScopes: { admin: true },
  fields: (t) => ({
    name: t.exposeString('name'),
    categories: t.expose('categories', { type: 'JSON', description: '[{ name, terms: [String], action }]' }),
    blockTerms: t.exposeStringList('blockTerms'),
    allowTerms: t.exposeStringList('allowTerms'),
    action: t.expose('action', { type: ModerationActionEnum }),
    enabled: t.exposeBoolean('enabled'),
    personaId: t.id({
      nullable: true,
      resolve: (p) => (p.personaId ? encodeGlobalID('Persona', p.personaId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const ModerationFlagRef = builder.prismaNode('ModerationFlag', {
  id: { field: 'id' },
  authScopes: { admin: true },
  fields: (t) => ({
    sessionId: t.id({ resolve: (f) => encodeGlobalID('Session', f.sessionId) }),
    turnId: t.exposeID('turnId', { nullable: true }),
    policyId: t.exposeID('policyId', { nullable: true }),
    text: t.exposeString('text', { description: 'What the model produced (never spoken when replaced).' }),
    replacement: t.exposeString('replacement', { nullable: true }),
    category: t.exposeString('category'),
    status: t.expose('status', { type: FlagStatusEnum }),
    reviewer: t.relation('reviewer', { nullable: true }),
    reviewNote: t.exposeString('reviewNote', { nullable: true }),
    reviewedAt: t.expose('reviewedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const terms = z.array(z.string().trim().min(1).max(200)).max(1_000);

const PolicyInput = builder.inputType('ModerationPolicyInput', {
  fields: (t) => ({
    name: t.string({ validate: z.string().trim().min(1).max(100) }),
    categories: t.field({ type: 'JSON', validate: policyCategoriesSchema }),
    blockTerms: t.stringList({ validate: terms }),
    allowTerms: t.stringList({ validate: terms }),
    action: t.field({ type: ModerationActionEnum }),
    enabled: t.boolean(),
    personaId: t.globalID({ for: PersonaRef }),
  }),
});

/** Drops the fields GraphQL left null, so an update touches only what was sent. */
function sent<T extends Record<string, unknown>>(input: T) {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

builder.queryFields((t) => ({
  moderationPolicies: t.prismaField({
    type: ['ModerationPolicy'],
    authScopes: { admin: true },
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.prisma.moderationPolicy.findMany({
        ...query,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
  }),
  moderationFlags: t.prismaConnection({
    type: 'ModerationFlag',
    cursor: 'id',
    authScopes: { admin: true },
    description: 'The review queue, oldest first.',
    args: {
      status: t.arg({ type: FlagStatusEnum, required: false }),
      sessionId: t.arg.globalID({ required: false, for: SessionRef }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.prisma.moderationFlag.findMany({
        ...query,
        where: {
          status: args.status ?? undefined,
          sessionId: args.sessionId?.id,
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

builder.mutationFields((t) => ({
  createModerationPolicy: t.prismaField({
    type: 'ModerationPolicy',
    authScopes: { admin: true },
    args: { input: t.arg({ type: PolicyInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { moderation } = ctx.services;
      const { name, personaId, ...rest } = sent(input);
      const created = await moderation.repository.createPolicy({
        ...rest,
        name: name ?? '',
        personaId: personaId?.id ?? null,
      });
      moderation.invalidate();
      return ctx.services.db.prisma.moderationPolicy.findUniqueOrThrow({
        ...query,
        where: { id: created.id },
      });
    },
  }),
  updateModerationPolicy: t.prismaField({
    type: 'ModerationPolicy',
    authScopes: { admin: true },
    args: {
      id: t.arg.globalID({ required: true, for: ModerationPolicyRef }),
      input: t.arg({ type: PolicyInput, required: true }),
    },
    resolve: async (query, _root, { id, input }, ctx) => {
      const { moderation } = ctx.services;
      const { personaId, ...rest } = sent(input);
      await moderation.repository.updatePolicy(id.id, {
        ...rest,
        ...(personaId !== undefined ? { personaId: personaId?.id ?? null } : {}),
      });
      moderation.invalidate();
      return ctx.services.db.prisma.moderationPolicy.findUniqueOrThrow({ ...query, where: { id: id.id } });
    },
  }),
  deleteModerationPolicy: t.boolean({
    authScopes: { admin: true },
    args: { id: t.arg.globalID({ required: true, for: ModerationPolicyRef }) },
    resolve: async (_root, { id }, ctx) => {
      const { moderation } = ctx.services;
      await moderation.repository.deletePolicy(id.id);
      moderation.invalidate();
      return true;
    },
  }),
  reviewModerationFlags: t.prismaField({
    type: ['ModerationFlag'],
    authScopes: { admin: true },
    description:
      'Approves or rejects flags (one or many). Approved content may become memories: its sessions are summarized again.',
    args: {
      ids: t.arg.globalIDList({
        required: true,
        for: ModerationFlagRef,
        validate: z.array(z.unknown()).min(1).max(200),
      }),
      decision: t.arg({ type: ReviewDecisionEnum, required: true }),
      note: t.arg.string({ required: false, validate: z.string().max(2_000) }),
    },
    resolve: async (query, _root, args, ctx) => {
      const { moderation, workflows } = ctx.services;
      const ids = args.ids.map((id) => id.id);
      const reviewed = await moderation.review(
        ids,
        args.decision,
        ctx.viewer!.userId,
        args.note ?? undefined,
      );
      if (args.decision === 'APPROVED' && workflows) {
        for (const sessionId of new Set(reviewed.map((f) => f.sessionId))) {
          await workflows.startSessionSummary(sessionId).catch((err: unknown) => {
            ctx.logger.warn({ err, sessionId }, 'could not re-summarize after approval');
          });
        }
      }
      return ctx.services.db.prisma.moderationFlag.findMany({
        ...query,
        where: { id: { in: ids } },
        orderBy: { createdAt: 'asc' },
      });
    },
  }),
}));
