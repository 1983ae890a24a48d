/**
 * Runs the tools a persona's model calls, in either conversation mode: the built-ins here, the integrator's
 * over HTTP (POST of the arguments as JSON, with the persona's secret header, within the tool's timeout; the
 * answer must be JSON). Arguments are checked against the tool's JSON Schema (Ajv) before anything is called.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import {
  BUILTIN_TOOLS,
  type BuiltinToolName,
  type HttpTool,
  type PersonaTool,
  toolNameOf,
  toolSpecs,
} from '../domain/tools';
import type { ToolOutcome, ToolRunner } from '../realtime/ports';

/** A tool's answer larger than this is refused: it would be fed back into the model's context. */
const MAX_RESULT_BYTES = 64 * 1024;

export interface ToolDeps {
  /** The memory lookup: what is remembered about this user that matches the query. */
  recall(query: string): Promise<string[]>;
  now?: () => Date;
}

const failed = (code: string, message: string): ToolOutcome => ({ ok: false, code, message });

export function createToolRunner(tools: readonly PersonaTool[], deps: ToolDeps): ToolRunner {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const byName = new Map<string, { tool: PersonaTool; validate: ValidateFunction | null }>();
  for (const tool of tools) {
    const schema = 'builtin' in tool ? BUILTIN_TOOLS[tool.builtin].parameters : tool.parameters;
    let validate: ValidateFunction | null = null;
    try {
      validate = ajv.compile(schema);
    } catch {
      // A schema Ajv cannot compile is not enforced here; the endpoint still sees the arguments.
    }
    byName.set(toolNameOf(tool), { tool, validate });
  }
  const builtins: Record<BuiltinToolName, (args: Record<string, unknown>) => Promise<unknown>> = {
    current_time: async () => {
      const now = deps.now?.() ?? new Date();
      return { iso: now.toISOString(), text: now.toUTCString() };
    },
    memory_lookup: async (args) => ({ memories: await deps.recall(String(args.query ?? '')) }),
  };

  return {
    specs: toolSpecs(tools),
    async run(call) {
      const entry = byName.get(call.name);
      if (!entry) return failed('UNKNOWN_TOOL', `no tool named "${call.name}"`);
      let args: unknown;
      try {
        args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
      } catch {
        return failed('INVALID_ARGUMENTS', 'the arguments are not JSON');
      }
      if (entry.validate && !entry.validate(args)) {
        return failed('INVALID_ARGUMENTS', ajv.errorsText(entry.validate.errors));
      }
      if (!args || typeof args !== 'object' || Array.isArray(args)) {
        return failed('INVALID_ARGUMENTS', 'the arguments must be a JSON object');
      }
      const { tool } = entry;
      try {
        if ('builtin' in tool) {
          return {
            ok: true,
            output: JSON.stringify(await builtins[tool.builtin](args as Record<string, unknown>)),
          };
        }
        return await callEndpoint(tool, args, call.signal);
      } catch (err) {
        return failed('UNREACHABLE', err instanceof Error ? err.message : String(err));
      }
    },
  };
}

async function callEndpoint(tool: HttpTool, args: unknown, signal: AbortSignal): Promise<ToolOutcome> {
  const timeout = AbortSignal.timeout(tool.timeoutMs);
  let res: Response;
  try {
    res = await fetch(tool.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(tool.secretHeader && tool.secret ? { [tool.secretHeader]: tool.secret } : {}),
      },
      body: JSON.stringify(args),
      signal: AbortSignal.any([signal, timeout]),
      redirect: 'error',
    });
  } catch (err) {
    if (timeout.aborted) return failed('TIMEOUT', `no answer within ${tool.timeoutMs} ms`);
    return failed('UNREACHABLE', err instanceof Error ? err.message : String(err));
  }
  let body: string;
  try {
    body = await readLimited(res, MAX_RESULT_BYTES);
  } catch (err) {
    if (timeout.aborted) return failed('TIMEOUT', `no answer within ${tool.timeoutMs} ms`);
    return failed('INVALID_RESPONSE', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) return failed('HTTP_ERROR', `HTTP ${res.status}: ${body.slice(0, 200)}`);
  try {
    return { ok: true, output: JSON.stringify(JSON.parse(body)) };
  } catch {
    return failed('INVALID_RESPONSE', 'the tool did not answer with JSON');
  }
}

/** The body as text, refused past `limit` bytes (a tool cannot flood the model's context or our memory). */
async function readLimited(res: Response, limit: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the answer is larger than ${limit} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}
