/**
 * Tools a persona lets its model call, in both conversation modes. Each is either one of our built-ins or an
 * HTTP endpoint of the integrator's: the server POSTs the arguments as JSON and feeds the JSON answer back.
 */
import { z } from 'zod';
import type { AnswerContract } from './answer-contract';

/** Tools the server answers itself. */
export const BUILTIN_TOOLS = {
  current_time: {
    description: 'The current date and time, in ISO 8601 (UTC) and in words.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  memory_lookup: {
    description: 'Searches what you remember about this user. Use it when the user refers to earlier talks.',
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'What to look for.' } },
      required: ['query'],
      additionalProperties: false,
    },
  },
} as const satisfies Record<string, { description: string; parameters: Record<string, unknown> }>;

export type BuiltinToolName = keyof typeof BUILTIN_TOOLS;

/** A tool call a model made. */
export interface ModelToolCall {
  callId: string;
  name: string;
  /** The arguments as the model wrote them (a JSON text, possibly malformed). */
  arguments: string;
}

/** What the model is told about a tool. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/**
 * A speech-to-speech agent's side channel for what the answer contract carries in cascade mode: it calls this
 * while it speaks, and the server turns it into the answer's emotion and gestures (never an HTTP call).
 */
export const EXPRESS_TOOL = 'express';

const toolName = z
  .string()
  .regex(
    /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/,
    'use letters, digits and underscores (max 64), starting with a letter',
  );

const httpTool = z
  .object({
    name: toolName,
    description: z.string().trim().min(1, 'required').max(1000),
    parameters: z.record(z.string(), z.unknown()).refine((s) => s.type === 'object', {
      message: 'the arguments schema must describe an object ({"type":"object",…})',
    }),
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    /** Longest wait for the endpoint's answer. */
    timeoutMs: z.number().int().min(100).max(30_000).default(5000),
    /** Sent as this header with `secret`, so the endpoint knows the call is ours. */
    secretHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'not a header name')
      .optional(),
    secret: z.string().min(1).max(500).optional(),
  })
  .strict()
  .refine((t) => Boolean(t.secretHeader) === Boolean(t.secret), {
    message: 'secretHeader and secret go together',
  });

const builtinTool = z
  .object({ builtin: z.enum(Object.keys(BUILTIN_TOOLS) as [BuiltinToolName, ...BuiltinToolName[]]) })
  .strict();

export const personaToolRule = z.union([builtinTool, httpTool]);

export const personaToolsRule = z
  .array(personaToolRule)
  .max(32)
  .refine((tools) => new Set(tools.map(toolNameOf)).size === tools.length, {
    message: 'two tools have the same name',
  })
  .refine((tools) => !tools.some((tool) => toolNameOf(tool) === EXPRESS_TOOL), {
    message: `"${EXPRESS_TOOL}" is the agent's own tool for emotion and gestures`,
  });

export function expressTool(contract: AnswerContract): ToolSpec {
  return {
    name: EXPRESS_TOOL,
    description:
      'Shows how you feel and gestures while you speak. Call it at the moment the gesture fits, without waiting for the result.',
    parameters: {
      type: 'object',
      properties: {
        emotion: { type: 'string', enum: [...contract.emotions] },
        gestures: {
          type: 'array',
          items: { type: 'string', enum: [...contract.gestures] },
          maxItems: contract.maxGestures,
        },
      },
      additionalProperties: false,
    },
  };
}

/**
 * An `express` call's arguments, kept to the persona's contract: names outside it are dropped and said so in the
 * reply to the agent.
 */
export function readExpressCall(
  argumentsJson: string,
  contract: AnswerContract,
): { emotion?: string; gestures: string[]; reply: string } {
  let args: { emotion?: unknown; gestures?: unknown };
  try {
    args = JSON.parse(argumentsJson || '{}') as typeof args;
  } catch {
    return {
      gestures: [],
      reply: JSON.stringify({ error: { code: 'INVALID_ARGUMENTS', message: 'not JSON' } }),
    };
  }
  const emotion =
    typeof args.emotion === 'string' && contract.emotions.includes(args.emotion) ? args.emotion : undefined;
  const asked = Array.isArray(args.gestures) ? args.gestures.filter((g) => typeof g === 'string') : [];
  const gestures = asked.filter((g) => contract.gestures.includes(g)).slice(0, contract.maxGestures);
  const dropped = asked.filter((g) => !gestures.includes(g));
  return { emotion, gestures, reply: JSON.stringify({ ok: true, ...(dropped.length ? { dropped } : {}) }) };
}

export type PersonaTool = z.infer<typeof personaToolRule>;
export type HttpTool = Extract<PersonaTool, { url: string }>;

export function toolNameOf(tool: PersonaTool): string {
  return 'builtin' in tool ? tool.builtin : tool.name;
}

/** What the model is told about each of a persona's tools. */
export function toolSpecs(tools: readonly PersonaTool[]): ToolSpec[] {
  return tools.map((tool) =>
    'builtin' in tool
      ? { name: tool.builtin, ...BUILTIN_TOOLS[tool.builtin] }
      : { name: tool.name, description: tool.description, parameters: tool.parameters },
  );
}

/**
 * A persona's stored tools, read leniently: an entry that no longer validates is left out rather than failing
 * the session (the console validates on save).
 */
export function parsePersonaTools(stored: unknown): PersonaTool[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((entry) => {
    const parsed = personaToolRule.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/** How a stored secret reads through the API; sent back unchanged, it keeps the secret. */
export const SECRET_MASK = '********';

/** The tools as clients and the console may see them: the secrets are never sent back. */
export function withoutSecrets(tools: readonly PersonaTool[]): unknown[] {
  return tools.map((tool) => ('secret' in tool && tool.secret ? { ...tool, secret: SECRET_MASK } : tool));
}
