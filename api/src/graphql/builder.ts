import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { BadInputError, ForbiddenError, UnauthenticatedError } from '../errors';
import type PrismaTypes from '../generated/pothos-types';
import { getDatamodel } from '../generated/pothos-types';
import type { GraphQLContext } from './context';

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The one SchemaBuilder: Context, scalars, Prisma types and auth scopes are declared here only. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: JsonValue; Output: unknown };
    /** A file of a GraphQL multipart request (graphql-yoga parses it into a Fetch API File). */
    File: { Input: File; Output: never };
  };
  AuthScopes: {
    /** Any signed-in caller with a full API token. */
    user: boolean;
    admin: boolean;
    /** Integrators read sessions and their events; admins can too. */
    integrator: boolean;
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ValidationPlugin],
  prisma: {
    client: (ctx) => ctx.services.db.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
  scopeAuth: {
    authScopes: (ctx) => ({
      user: ctx.viewer?.scope === 'api',
      admin: ctx.viewer?.scope === 'api' && ctx.viewer.role === 'ADMIN',
      integrator:
        ctx.viewer?.scope === 'api' && (ctx.viewer.role === 'INTEGRATOR' || ctx.viewer.role === 'ADMIN'),
    }),
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer ? new ForbiddenError('Your role does not allow this operation') : new UnauthenticatedError(),
  },
  validation: {
    validationError: (result) => {
      const issue = result.issues[0];
      const field = issue?.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.');
      return new BadInputError(issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'Invalid input', {
        field,
        issues: result.issues.map((i) => ({
          path: i.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))),
          message: i.message,
        })),
      });
    },
  },
});

builder.scalarType('DateTime', {
  description: 'ISO-8601 timestamp',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (typeof value !== 'string' || Number.isNaN(date.getTime()))
      throw new BadInputError('Invalid DateTime');
    return date;
  },
});

builder.scalarType('File', {
  description: 'A file sent as a GraphQL multipart request (graphql-multipart-request-spec); input only.',
  serialize: () => {
    throw new Error('File is an input type only');
  },
});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON value',
  serialize: (value) => value,
  parseValue: (value) => value as JsonValue,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
