import { z } from 'zod';
import { rigMetadata } from '../../adapters/visemes/rigs';
import { canAccessSession } from '../../domain/access';
import { sniffImageType } from '../../domain/images';
import { AppError, BadInputError } from '../../errors';
import { builder } from '../builder';
import { PersonaRef } from './persona';
import { UserRef } from './user';

const SessionStatusEnum = builder.enumType('SessionStatus', {
  values: ['CREATED', 'ACTIVE', 'ENDED'] as const,
});
const TurnRoleEnum = builder.enumType('TurnRole', { values: ['USER', 'ASSISTANT'] as const });

/** What a client can render; the server skips work a client cannot use (e.g. blendshape frames). */
export const CLIENT_CAPABILITIES = ['audio', 'text', 'visemes', 'blendshapes', 'gestures'] as const;

export const SessionRef = builder.prismaNode('Session', {
  id: { field: 'id' },
  // Relay `node(id:)` must not reveal other users' sessions.
  authScopes: (session, ctx) => canAccessSession(ctx.viewer, session, 'read'),
  fields: (t) => ({
    status: t.expose('status', { type: SessionStatusEnum }),
    capabilities: t.exposeStringList('capabilities'),
    traceId: t.exposeString('traceId'),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    endReason: t.exposeString('endReason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    user: t.relation('user'),
    persona: t.relation('persona'),
    rig: t.field({
      type: 'JSON',
      description:
        "How to drive the avatar's rig: the persona's rig profile (viseme or blendshape targets) with its overrides.",
      select: { persona: { select: { avatarRig: true, visemeMap: true } } },
      resolve: (session, _args, ctx) =>
        rigMetadata(
          ctx.services.visemes.resolveRig(session.persona.avatarRig, session.persona.visemeMap).rig,
        ),
    }),
    turns: t.relatedConnection('turns', { cursor: 'id', query: { orderBy: { createdAt: 'asc' } } }),
    events: t.relatedConnection('events', {
      cursor: 'id',
      description: 'The append-only event log, in emission order, for replay.',
      query: { orderBy: { seq: 'asc' } },
    }),
  }),
});

// Turns are reached through their session (which checks access), so they are not Relay nodes.
builder.prismaObject('Turn', {
  fields: (t) => ({
    id: t.exposeID('id'),
    role: t.expose('role', { type: TurnRoleEnum }),
    text: t.exposeString('text', {
      description: 'For interrupted assistant turns, only what the user heard.',
    }),
    utteranceId: t.exposeString('utteranceId', { nullable: true }),
    interrupted: t.exposeBoolean('interrupted'),
    emotion: t.exposeString('emotion', { nullable: true }),
    contractKept: t.exposeBoolean('contractKept', {
      nullable: true,
      description:
        "The model's answer satisfied the answer contract as written, with no repair; null when no model answered.",
    }),
    timings: t.expose('timings', { type: 'JSON' }),
    alignment: t.expose('alignment', { type: 'JSON', nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('SessionEvent', {
  name: 'SessionEventRecord',
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    type: t.exposeString('type'),
    payload: t.expose('payload', { type: 'JSON' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SessionFilter = builder.inputType('SessionFilter', {
  fields: (t) => ({
    userId: t.globalID({ for: UserRef }),
    personaId: t.globalID({ for: PersonaRef }),
    status: t.field({ type: SessionStatusEnum }),
    createdAfter: t.field({ type: 'DateTime' }),
    createdBefore: t.field({ type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  session: t.prismaField({
    type: 'Session',
    args: { id: t.arg.globalID({ required: true, for: SessionRef }) },
    resolve: async (query, _root, args, ctx) => {
      const session = await ctx.services.sessions.get(ctx.viewer, args.id.id);
      return ctx.services.db.prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  sessions: t.prismaConnection({
    type: 'Session',
    cursor: 'id',
    description: 'Sessions visible to the caller: their own, or all for admins and integrators.',
    authScopes: { user: true },
    args: { filter: t.arg({ type: SessionFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => {
      const viewer = ctx.viewer!;
      const seesAll = viewer.role === 'ADMIN' || viewer.role === 'INTEGRATOR';
      return ctx.services.db.prisma.session.findMany({
        ...query,
        where: {
          userId: seesAll ? filter?.userId?.id : viewer.userId,
          personaId: filter?.personaId?.id,
          status: filter?.status ?? undefined,
          createdAt: { gte: filter?.createdAfter ?? undefined, lte: filter?.createdBefore ?? undefined },
        },
        orderBy: { createdAt: 'desc' },
      });
    },
  }),
}));

const CreateSessionInput = builder.inputType('CreateSessionInput', {
  fields: (t) => ({
    personaId: t.globalID({ required: true, for: PersonaRef }),
    capabilities: t.stringList({
      description: `What the client renders: ${CLIENT_CAPABILITIES.join(', ')}. Defaults to all. Without audio (or a persona with speech off) answers are text only.`,
      validate: z.array(z.enum(CLIENT_CAPABILITIES)),
    }),
    greet: t.boolean({
      description: "Say the persona's greeting as soon as the session exists (replayed with `afterSeq: 0`).",
    }),
  }),
});

interface SessionAccessShape {
  sessionToken: string;
  sessionTokenExpiresAt: Date;
  audioUrl: string;
  graphqlUrl: string;
}

const CreateSessionPayload = builder
  .objectRef<SessionAccessShape & { sessionId: string }>('CreateSessionPayload')
  .implement({
    fields: (t) => ({
      session: t.prismaField({
        type: 'Session',
        resolve: (query, parent, _args, ctx) =>
          ctx.services.db.prisma.session.findUniqueOrThrow({ ...query, where: { id: parent.sessionId } }),
      }),
      sessionToken: t.exposeString('sessionToken', {
        description: 'Short-lived token scoped to this session (audio socket, events).',
      }),
      sessionTokenExpiresAt: t.expose('sessionTokenExpiresAt', { type: 'DateTime' }),
      audioUrl: t.exposeString('audioUrl', {
        description: 'Binary audio WebSocket; pass the session token as ?token=.',
      }),
      graphqlUrl: t.exposeString('graphqlUrl', { description: 'graphql-ws endpoint for sessionEvents.' }),
    }),
  });

const SessionAccessPayload = builder.objectRef<SessionAccessShape>('SessionAccess').implement({
  fields: (t) => ({
    sessionToken: t.exposeString('sessionToken'),
    sessionTokenExpiresAt: t.expose('sessionTokenExpiresAt', { type: 'DateTime' }),
    audioUrl: t.exposeString('audioUrl'),
    graphqlUrl: t.exposeString('graphqlUrl'),
  }),
});

const SendImagePayload = builder
  .objectRef<{ accepted: boolean; mimeType: string; bytes: number }>('SendImagePayload')
  .implement({
    fields: (t) => ({
      accepted: t.exposeBoolean('accepted'),
      mimeType: t.exposeString('mimeType', { description: 'The type read from the image itself.' }),
      bytes: t.exposeInt('bytes'),
    }),
  });

const SetPersonaPayload = builder
  .objectRef<{ accepted: boolean; personaId: string }>('SetPersonaPayload')
  .implement({
    fields: (t) => ({
      accepted: t.exposeBoolean('accepted'),
      persona: t.prismaField({
        type: 'Persona',
        resolve: (query, payload, _args, ctx) =>
          ctx.services.db.prisma.persona.findUniqueOrThrow({ ...query, where: { id: payload.personaId } }),
      }),
    }),
  });

const SendTextPayload = builder
  .objectRef<{ accepted: boolean; utteranceId: string }>('SendTextPayload')
  .implement({
    fields: (t) => ({
      accepted: t.exposeBoolean('accepted'),
      utteranceId: t.exposeString('utteranceId', {
        description: 'Correlates the TranscriptFinal and response events of this input.',
      }),
    }),
  });

const InterruptPayload = builder.objectRef<{ interrupted: boolean }>('InterruptPayload').implement({
  fields: (t) => ({
    interrupted: t.exposeBoolean('interrupted', { description: 'False when the avatar was not speaking.' }),
  }),
});

builder.mutationFields((t) => ({
  createSession: t.field({
    type: CreateSessionPayload,
    authScopes: { user: true },
    args: { input: t.arg({ type: CreateSessionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const created = await ctx.services.sessions.create(ctx.viewer!, {
        personaId: input.personaId.id,
        capabilities: input.capabilities ?? [...CLIENT_CAPABILITIES],
      });
      if (input.greet) await ctx.services.conversations.greet(ctx.viewer, created.session.id);
      return { ...created, sessionId: created.session.id };
    },
  }),
  refreshSessionToken: t.field({
    type: SessionAccessPayload,
    description: 'A new short-lived session token before the old one expires. Needs an access token.',
    authScopes: { user: true },
    args: { sessionId: t.arg.globalID({ required: true, for: SessionRef }) },
    resolve: async (_root, args, ctx) => {
      const session = await ctx.services.sessions.get(ctx.viewer, args.sessionId.id, 'control');
      await ctx.services.sessions.assertOpen(session);
      return ctx.services.sessions.sessionAccess(ctx.viewer!, session);
    },
  }),
  endSession: t.prismaField({
    type: 'Session',
    args: { id: t.arg.globalID({ required: true, for: SessionRef }) },
    resolve: async (query, _root, args, ctx) => {
      const ended = await ctx.services.conversations.end(ctx.viewer, args.id.id);
      return ctx.services.db.prisma.session.findUniqueOrThrow({ ...query, where: { id: ended.id } });
    },
  }),
  sendText: t.field({
    type: SendTextPayload,
    args: {
      sessionId: t.arg.globalID({ required: true, for: SessionRef }),
      text: t.arg.string({
        required: true,
        validate: z.string().trim().min(1, 'text must not be empty').max(4000, 'text is too long (max 4000)'),
      }),
    },
    resolve: async (_root, args, ctx) => {
      const { utteranceId } = await ctx.services.conversations.sendText(
        ctx.viewer,
        args.sessionId.id,
        args.text.trim(),
        ctx.traceparent,
      );
      return { accepted: true, utteranceId };
    },
  }),
  sendImage: t.field({
    type: SendImagePayload,
    description:
      'An image for the model to see with your next turn (typed or spoken), sent as a GraphQL multipart request: PNG, JPEG, WebP or GIF, up to IMAGE_MAX_BYTES.',
    args: {
      sessionId: t.arg.globalID({ required: true, for: SessionRef }),
      image: t.arg({ type: 'File', required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const max = ctx.services.config.imageMaxBytes;
      if (args.image.size > max) {
        throw new AppError('TOO_LARGE', `Images are limited to ${max} bytes`, {
          details: { field: 'image', max },
        });
      }
      const data = Buffer.from(await args.image.arrayBuffer());
      const mimeType = sniffImageType(data);
      if (!mimeType)
        throw new BadInputError('The file is not a PNG, JPEG, WebP or GIF image', { field: 'image' });
      await ctx.services.conversations.sendImage(ctx.viewer, args.sessionId.id, { mimeType, data });
      return { accepted: true, mimeType, bytes: data.length };
    },
  }),
  setPersona: t.field({
    type: SetPersonaPayload,
    description:
      "Changes the live session's persona (voice, rig, prompt, tools, mode) at the next turn boundary: the answer being given finishes as it is. A `PersonaChanged` event says when it took effect.",
    args: {
      sessionId: t.arg.globalID({ required: true, for: SessionRef }),
      personaId: t.arg.globalID({ required: true, for: PersonaRef }),
    },
    resolve: async (_root, args, ctx) => {
      await ctx.services.conversations.setPersona(ctx.viewer, args.sessionId.id, args.personaId.id);
      return { accepted: true, personaId: args.personaId.id };
    },
  }),
  interrupt: t.field({
    type: InterruptPayload,
    args: {
      sessionId: t.arg.globalID({ required: true, for: SessionRef }),
      playedMs: t.arg.float({
        required: false,
        validate: z.number().min(0).max(86_400_000),
        description:
          "How much of the answer's audio the client played before it stopped, by its own audio clock: what the user heard is cut there rather than where the server estimates.",
      }),
      responseId: t.arg.string({
        required: false,
        validate: z.string().max(128),
        description: 'The answer `playedMs` counts; a count for another answer is ignored.',
      }),
    },
    resolve: async (_root, args, ctx) => ({
      interrupted: await ctx.services.conversations.interrupt(
        ctx.viewer,
        args.sessionId.id,
        args.playedMs == null
          ? undefined
          : { playedMs: args.playedMs, responseId: args.responseId ?? undefined },
      ),
    }),
  }),
}));
