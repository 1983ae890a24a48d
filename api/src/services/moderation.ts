import type { RemoteModerator } from '../adapters/moderation/openai';
import type { Database } from '../db/database';
import { ModerationRepository, type ReviewDecision } from '../db/moderation-repository';
import { BLOCKED_CATEGORY, classify, MAX_MODERATED_TEXT_CHARS, type PolicyRules } from '../domain/moderation';
import { BadInputError, NotFoundError } from '../errors';
import type { ModerationFlag } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { ModerationVerdict, Moderator } from '../realtime/ports';

export interface ModerateInput {
  sessionId: string;
  personaId: string;
  text: string;
  /** When the turn already exists; otherwise link it later with `attachTurn`. */
  turnId?: string;
}

export interface ModerationServiceDeps {
  db: Database;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** Optional second opinion (OpenAI moderation); the local classifier always runs first. */
  remote?: RemoteModerator;
  /** How long policies and personas are cached; edits show up within this time. */
  cacheTtlMs?: number;
}

/** Category recorded when the remote moderator flags text without naming a category. */
const REMOTE_CATEGORY_PREFIX = 'remote:';

/**
 * The pre-send filter on LLM output, before TTS. Replaced text is never spoken; the original is kept as a
 * `ModerationFlag` for human review. Memory summarization skips turns whose flags are pending or rejected.
 */
export class ModerationService implements Moderator {
  readonly repository: ModerationRepository;
  private readonly cache = new Map<string, { at: number; rules: PolicyRules[]; fallback: string }>();
  private readonly ttlMs: number;

  constructor(private readonly deps: ModerationServiceDeps) {
    this.repository = new ModerationRepository(deps.db);
    this.ttlMs = deps.cacheTtlMs ?? 5_000;
  }

  async moderate(input: ModerateInput, signal?: AbortSignal): Promise<ModerationVerdict> {
    if (input.text.trim() === '')
      throw new BadInputError('nothing to moderate: text is empty', { field: 'text' });
    if (input.text.length > MAX_MODERATED_TEXT_CHARS) {
      throw new BadInputError(`text longer than ${MAX_MODERATED_TEXT_CHARS} characters`, { field: 'text' });
    }
    const { rules, fallback } = await this.personaRules(input.personaId);
    const verdict = classify(input.text, rules);
    let action = verdict.action;
    let category = verdict.action === 'ALLOW' ? undefined : verdict.category;
    const policyId = verdict.action === 'ALLOW' ? undefined : verdict.policyId;

    if (action !== 'REPLACE' && this.deps.remote) {
      try {
        const remote = await this.deps.remote.check(input.text, signal);
        if (remote.flagged) {
          action = 'REPLACE';
          category = `${REMOTE_CATEGORY_PREFIX}${remote.category ?? BLOCKED_CATEGORY}`;
        }
      } catch (err) {
        // The remote check is an extra layer: when it is down the local rules still stand, and the avatar keeps talking.
        this.deps.logger.warn({ err, provider: this.deps.remote.label }, 'remote moderation unavailable');
      }
    }

    if (action === 'ALLOW' || category === undefined) return { allowed: true, text: input.text };
    const replaced = action === 'REPLACE';
    const flag = await this.repository.createFlag({
      sessionId: input.sessionId,
      turnId: input.turnId,
      policyId: policyId ?? null,
      text: input.text,
      replacement: replaced ? fallback : null,
      category,
    });
    this.deps.logger.info(
      { sessionId: input.sessionId, flagId: flag.id, category, replaced },
      'moderation flag',
    );
    return { allowed: !replaced, text: replaced ? fallback : input.text, category, flagId: flag.id };
  }

  /** Links the flags raised while answering to the stored assistant turn. */
  attachTurn(flagIds: readonly string[], turnId: string): Promise<void> {
    return this.repository.attachTurn(flagIds, turnId);
  }

  /**
   * Approves or rejects flags. Returns the reviewed flags; the caller re-runs summarization for the sessions of
   * approved ones, since their turns may now become memories.
   */
  review(
    ids: string[],
    decision: ReviewDecision,
    reviewerId: string,
    note?: string,
  ): Promise<ModerationFlag[]> {
    return this.repository.review(ids, decision, reviewerId, note);
  }

  /** Drops cached policies at once (after an admin edit in this process). */
  invalidate(): void {
    this.cache.clear();
  }

  private async personaRules(personaId: string): Promise<{ rules: PolicyRules[]; fallback: string }> {
    const cached = this.cache.get(personaId);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached;
    const persona = await this.deps.db.prisma.persona.findUnique({
      where: { id: personaId },
      select: { safeFallback: true },
    });
    if (!persona) throw new NotFoundError('Persona', personaId);
    const entry = {
      at: Date.now(),
      rules: await this.repository.rulesFor(personaId),
      fallback: persona.safeFallback,
    };
    this.cache.set(personaId, entry);
    return entry;
  }
}
