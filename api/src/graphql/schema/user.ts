import { canSeeUser } from '../../domain/access';
import { builder } from '../builder';

export const RoleEnum = builder.enumType('Role', { values: ['USER', 'ADMIN', 'INTEGRATOR'] as const });

export const UserRef = builder.prismaNode('User', {
  id: { field: 'id' },
  // Users see themselves; admins and integrators (with API tokens) see the owners of the sessions they oversee.
  authScopes: (user, ctx) => canSeeUser(ctx.viewer, user.id),
  fields: (t) => ({
    username: t.exposeString('username'),
    displayName: t.exposeString('displayName', { nullable: true }),
    role: t.expose('role', { type: RoleEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  me: t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user, or null without a token.',
    resolve: (query, _root, _args, ctx) =>
      ctx.viewer
        ? ctx.services.db.prisma.user.findUnique({ ...query, where: { id: ctx.viewer.userId } })
        : null,
  }),
  users: t.prismaConnection({
    type: 'User',
    cursor: 'id',
    authScopes: { admin: true },
    args: { search: t.arg.string({ required: false }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.prisma.user.findMany({
        ...query,
        where: args.search ? { username: { contains: args.search, mode: 'insensitive' } } : undefined,
        orderBy: { createdAt: 'desc' },
      }),
  }),
}));
