import { encodeGlobalID } from '@pothos/plugin-relay';
import { exportDownloadPath } from '../../db/privacy-repository';
import { canReadUserData } from '../../domain/access';
import { AppError, NotFoundError } from '../../errors';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { ownerFor } from './memory';
import { UserRef } from './user';

const PrivacyRequestKindEnum = builder.enumType('PrivacyRequestKind', {
  values: ['EXPORT', 'DELETE'] as const,
});
const PrivacyRequestStatusEnum = builder.enumType('PrivacyRequestStatus', {
  values: ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] as const,
});

const ExportDownloadRef = builder.objectRef<{ url: string; expiresAt: Date }>('ExportDownload').implement({
  description: 'A link to an export document: NDJSON, one `{"record": "session", ...}` row per line.',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Relative to the API; carries its own short-lived token.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

export const PrivacyRequestRef = builder.prismaNode('PrivacyRequest', {
  id: { field: 'id' },
  authScopes: (request, ctx) => canReadUserData(ctx.viewer, request.userId),
  fields: (t) => ({
    kind: t.expose('kind', { type: PrivacyRequestKindEnum }),
    status: t.expose('status', { type: PrivacyRequestStatusEnum }),
    userId: t.id({ resolve: (r) => encodeGlobalID('User', r.userId) }),
    workflowId: t.exposeString('workflowId', { nullable: true }),
    result: t.expose('result', {
      type: 'JSON',
      nullable: true,
      description:
        'EXPORT: counts per kind, size and parts (the document itself: `download`). DELETE: what was deleted. `empty` says there was nothing.',
    }),
    download: t.field({
      type: ExportDownloadRef,
      nullable: true,
      description: 'A completed export, for a few minutes.',
      resolve: async (request, _args, ctx) => {
        if (request.kind !== 'EXPORT' || request.status !== 'COMPLETED') return null;
        const { token, expiresAt } = await ctx.services.tokens.issueDownloadToken({
          userId: request.userId,
          requestId: request.id,
        });
        return { url: `${exportDownloadPath(request.id)}?token=${token}`, expiresAt };
      },
    }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

function workflowsOf(ctx: GraphQLContext) {
  const { workflows } = ctx.services;
  if (!workflows)
    throw new AppError('UNAVAILABLE', 'Background workflows are off (WORKFLOWS=off)', { retryable: false });
  return workflows;
}

builder.queryFields((t) => ({
  privacyRequest: t.prismaField({
    type: 'PrivacyRequest',
    authScopes: { user: true },
    args: { id: t.arg.globalID({ required: true, for: PrivacyRequestRef }) },
    resolve: async (query, _root, { id }, ctx) => {
      const request = await ctx.services.db.prisma.privacyRequest.findUnique({
        ...query,
        where: { id: id.id },
      });
      if (!request) throw new NotFoundError('PrivacyRequest', id.id);
      ownerFor(ctx, request.userId);
      return request;
    },
  }),
}));

builder.mutationFields((t) => ({
  requestDataExport: t.prismaField({
    type: 'PrivacyRequest',
    authScopes: { user: true },
    description:
      'Starts an export of everything stored about you (admins: about `userId`); poll privacyRequest for it.',
    args: { userId: t.arg.globalID({ required: false, for: UserRef }) },
    resolve: async (query, _root, args, ctx) => {
      const userId = ownerFor(ctx, args.userId?.id);
      const { requestId } = await workflowsOf(ctx).startPrivacyExport(userId, {
        maxActive: ctx.services.config.privacy.concurrentExportsPerUser,
      });
      return ctx.services.db.prisma.privacyRequest.findUniqueOrThrow({ ...query, where: { id: requestId } });
    },
  }),
  requestDataDeletion: t.prismaField({
    type: 'PrivacyRequest',
    authScopes: { user: true },
    description: 'Deletes your memories, sessions, turns and events durably (the account stays).',
    args: { userId: t.arg.globalID({ required: false, for: UserRef }) },
    resolve: async (query, _root, args, ctx) => {
      const userId = ownerFor(ctx, args.userId?.id);
      const { requestId } = await workflowsOf(ctx).startPrivacyDelete(userId);
      return ctx.services.db.prisma.privacyRequest.findUniqueOrThrow({ ...query, where: { id: requestId } });
    },
  }),
}));
