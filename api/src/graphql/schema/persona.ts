import { personaFieldRules as rules } from '../../domain/persona';
import {
  type PersonaTool,
  parsePersonaTools,
  SECRET_MASK,
  toolNameOf,
  withoutSecrets,
} from '../../domain/tools';
import { NotFoundError } from '../../errors';
import { builder } from '../builder';

export const PersonaRef = builder.prismaNode('Persona', {
  id: { field: 'id' },
  authScopes: (_persona, ctx) => ctx.viewer !== null,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    systemPrompt: t.exposeString('systemPrompt'),
    greeting: t.exposeString('greeting'),
    safeFallback: t.exposeString('safeFallback'),
    failureLine: t.exposeString('failureLine', {
      description: 'Said when no provider could produce an answer, so the user is not left in silence.',
    }),
    voice: t.exposeString('voice'),
    ttsProvider: t.exposeString('ttsProvider', { nullable: true }),
    sttProvider: t.exposeString('sttProvider', { nullable: true }),
    llmProvider: t.exposeString('llmProvider', { nullable: true }),
    llmModel: t.exposeString('llmModel', { nullable: true }),
    avatarRig: t.exposeString('avatarRig'),
    visemeMap: t.expose('visemeMap', { type: 'JSON' }),
    gestureLibrary: t.exposeStringList('gestureLibrary'),
    defaultEmotion: t.exposeString('defaultEmotion'),
    capabilities: t.exposeStringList('capabilities'),
    conversationMode: t.exposeString('conversationMode', {
      description:
        '`cascade` (STT, chat model, TTS) or `agent` (a speech-to-speech agent, the cascade as its fallback).',
    }),
    agentProvider: t.exposeString('agentProvider', {
      nullable: true,
      description: 'Agent mode: `openai-realtime` (default) or `gemini-live`.',
    }),
    agentModel: t.exposeString('agentModel', { nullable: true }),
    agentVoice: t.exposeString('agentVoice', { nullable: true }),
    turnDetection: t.exposeString('turnDetection', {
      description:
        "Agent mode: `ours` (Silero VAD and end of turn; the default) or `provider` (the agent's server VAD hears the streamed audio).",
    }),
    tools: t.field({
      type: 'JSON',
      description: 'Tools the model may call (secrets are never returned: they read as "********").',
      resolve: (persona) => withoutSecrets(parsePersonaTools(persona.tools)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
  }),
});

type InputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

/** Create and update share every field and rule; only name and system prompt are required on create. */
const personaFields = <Creating extends boolean>(t: InputFieldBuilder, creating: Creating) => ({
  name: t.string({ required: creating, validate: rules.name }),
  description: t.string({ validate: rules.description }),
  systemPrompt: t.string({ required: creating, validate: rules.systemPrompt }),
  greeting: t.string({ validate: rules.greeting }),
  safeFallback: t.string({ validate: rules.safeFallback }),
  failureLine: t.string({ validate: rules.failureLine }),
  voice: t.string({ validate: rules.voice }),
  ttsProvider: t.string({ validate: rules.provider }),
  sttProvider: t.string({ validate: rules.provider }),
  llmProvider: t.string({ validate: rules.provider }),
  llmModel: t.string({ validate: rules.llmModel }),
  avatarRig: t.string({ validate: rules.avatarRig }),
  visemeMap: t.field({ type: 'JSON', validate: rules.visemeMap }),
  gestureLibrary: t.stringList({ validate: rules.gestureLibrary }),
  defaultEmotion: t.string({ validate: rules.defaultEmotion }),
  capabilities: t.stringList({ validate: rules.capabilities }),
  conversationMode: t.string({ validate: rules.conversationMode }),
  agentProvider: t.string({ validate: rules.agentProvider }),
  agentModel: t.string({ validate: rules.agentModel }),
  agentVoice: t.string({ validate: rules.agentVoice }),
  turnDetection: t.string({ validate: rules.turnDetection }),
  tools: t.field({ type: 'JSON', validate: rules.tools }),
});

const PersonaCreateInput = builder.inputType('PersonaCreateInput', { fields: (t) => personaFields(t, true) });
const PersonaUpdateInput = builder.inputType('PersonaUpdateInput', {
  fields: (t) => personaFields(t, false),
});

/** GraphQL leaves omitted optional inputs as null or undefined; Prisma must only see the fields that were sent. */
function definedFields<T extends Record<string, unknown>>(input: T) {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

/** A tool sent back as read (its secret masked) keeps the secret it had. */
function keepSecrets(tools: PersonaTool[], stored: PersonaTool[]): PersonaTool[] {
  const secrets = new Map(
    stored.flatMap((t) => ('secret' in t && t.secret ? [[toolNameOf(t), t.secret]] : [])),
  );
  return tools.map((tool) =>
    'secret' in tool && tool.secret === SECRET_MASK ? { ...tool, secret: secrets.get(tool.name) } : tool,
  );
}

builder.queryFields((t) => ({
  persona: t.prismaField({
    type: 'Persona',
    nullable: true,
    authScopes: { user: true },
    args: { id: t.arg.globalID({ required: true, for: PersonaRef }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.prisma.persona.findUnique({ ...query, where: { id: args.id.id } }),
  }),
  personas: t.prismaConnection({
    type: 'Persona',
    cursor: 'id',
    authScopes: { user: true },
    args: {
      search: t.arg.string({ required: false }),
      includeArchived: t.arg.boolean({ required: false, defaultValue: false }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.prisma.persona.findMany({
        ...query,
        where: {
          ...(args.includeArchived ? {} : { archivedAt: null }),
          ...(args.search ? { name: { contains: args.search, mode: 'insensitive' } } : {}),
        },
        orderBy: { createdAt: 'desc' },
      }),
  }),
}));

builder.mutationFields((t) => ({
  createPersona: t.prismaField({
    type: 'Persona',
    authScopes: { admin: true },
    args: { input: t.arg({ type: PersonaCreateInput, required: true }) },
    resolve: (query, _root, { input }, ctx) =>
      ctx.services.db.prisma.persona.create({
        ...query,
        data: {
          ...definedFields(input),
          name: input.name,
          systemPrompt: input.systemPrompt,
          visemeMap: (input.visemeMap ?? {}) as object,
          tools: (input.tools ?? []) as object[],
        },
      }),
  }),
  updatePersona: t.prismaField({
    type: 'Persona',
    authScopes: { admin: true },
    args: {
      id: t.arg.globalID({ required: true, for: PersonaRef }),
      input: t.arg({ type: PersonaUpdateInput, required: true }),
    },
    resolve: async (query, _root, { id, input }, ctx) => {
      const prisma = ctx.services.db.prisma;
      const existing = await prisma.persona.findUnique({ where: { id: id.id } });
      if (!existing) throw new NotFoundError('Persona', id.id);
      const { visemeMap, tools, ...rest } = definedFields(input);
      return prisma.persona.update({
        ...query,
        where: { id: existing.id },
        data: {
          ...rest,
          ...(visemeMap !== undefined ? { visemeMap: visemeMap as object } : {}),
          ...(tools !== undefined
            ? { tools: keepSecrets(tools as PersonaTool[], parsePersonaTools(existing.tools)) as object[] }
            : {}),
        },
      });
    },
  }),
  archivePersona: t.prismaField({
    type: 'Persona',
    description: 'Hides the persona from new sessions; existing sessions and replays keep it.',
    authScopes: { admin: true },
    args: { id: t.arg.globalID({ required: true, for: PersonaRef }) },
    resolve: async (query, _root, { id }, ctx) => {
      const prisma = ctx.services.db.prisma;
      const existing = await prisma.persona.findUnique({ where: { id: id.id } });
      if (!existing) throw new NotFoundError('Persona', id.id);
      return prisma.persona.update({
        ...query,
        where: { id: existing.id },
        data: { archivedAt: new Date() },
      });
    },
  }),
}));
