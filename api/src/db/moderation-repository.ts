import { type PolicyRules, parsePolicyCategories } from '../domain/moderation';
import { BadInputError, NotFoundError } from '../errors';
import type { FlagStatus, ModerationFlag, ModerationPolicy, Prisma } from '../generated/prisma/client';
import type { Database } from './database';

export interface PolicyInput {
  name: string;
  categories?: unknown;
  blockTerms?: string[];
  allowTerms?: string[];
  action?: 'REPLACE' | 'FLAG';
  enabled?: boolean;
  personaId?: string | null;
}

export interface NewFlag {
  sessionId: string;
  turnId?: string | null;
  policyId?: string | null;
  text: string;
  replacement?: string | null;
  category: string;
}

export interface FlagPage {
  flags: ModerationFlag[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
}

export type ReviewDecision = 'APPROVED' | 'REJECTED';

/** Flags whose content must not reach long-term memory. */
export const BLOCKING_FLAG_STATUSES: FlagStatus[] = ['PENDING', 'REJECTED'];

export class ModerationRepository {
  constructor(private readonly db: Database) {}

  /** Enabled policies for a persona (its own plus global ones), oldest first, parsed for the classifier. */
  async rulesFor(personaId: string): Promise<PolicyRules[]> {
    const policies = await this.db.prisma.moderationPolicy.findMany({
      where: { enabled: true, OR: [{ personaId: null }, { personaId }] },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return policies.map(toRules);
  }

  async listPolicies(): Promise<ModerationPolicy[]> {
    return this.db.prisma.moderationPolicy.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  async createPolicy(input: PolicyInput): Promise<ModerationPolicy> {
    return this.db.prisma.moderationPolicy.create({
      data: toPolicyData(input) as Prisma.ModerationPolicyUncheckedCreateInput,
    });
  }

  async updatePolicy(id: string, input: Partial<PolicyInput>): Promise<ModerationPolicy> {
    await this.requirePolicy(id);
    return this.db.prisma.moderationPolicy.update({ where: { id }, data: toPolicyData(input) });
  }

  async deletePolicy(id: string): Promise<void> {
    await this.requirePolicy(id);
    await this.db.prisma.moderationPolicy.delete({ where: { id } });
  }

  async createFlag(flag: NewFlag): Promise<ModerationFlag> {
    const session = await this.db.prisma.session.findUnique({
      where: { id: flag.sessionId },
      select: { id: true },
    });
    if (!session) throw new NotFoundError('Session', flag.sessionId);
    return this.db.prisma.moderationFlag.create({ data: { ...flag, status: 'PENDING' } });
  }

  /** Links flags to the turn stored after them (the pipeline moderates before the turn exists); all or none. */
  async attachTurn(flagIds: readonly string[], turnId: string): Promise<void> {
    const ids = [...new Set(flagIds)];
    await this.db.prisma.$transaction(async (tx) => {
      const found = await tx.moderationFlag.findMany({ where: { id: { in: ids } }, select: { id: true } });
      const missing = ids.find((id) => !found.some((f) => f.id === id));
      if (missing) throw new NotFoundError('ModerationFlag', missing);
      await tx.moderationFlag.updateMany({ where: { id: { in: ids } }, data: { turnId } });
    });
  }

  async listFlags(
    opts: { status?: FlagStatus; sessionId?: string; first?: number; after?: string } = {},
  ): Promise<FlagPage> {
    const first = Math.min(Math.max(opts.first ?? 50, 1), 200);
    const flags = await this.db.prisma.moderationFlag.findMany({
      where: { status: opts.status, sessionId: opts.sessionId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: first + 1,
      ...(opts.after ? { cursor: { id: opts.after }, skip: 1 } : {}),
    });
    const page = flags.slice(0, first);
    return { flags: page, endCursor: flags.length > first ? (page.at(-1)?.id ?? null) : null };
  }

  async getFlag(id: string): Promise<ModerationFlag> {
    return this.requireFlag(id);
  }

  /** Approves or rejects flags in one transaction; every id must exist. */
  async review(
    ids: string[],
    decision: ReviewDecision,
    reviewerId: string,
    note?: string,
  ): Promise<ModerationFlag[]> {
    if (ids.length === 0) throw new BadInputError('no flags to review', { field: 'ids' });
    const reviewer = await this.db.prisma.user.findUnique({
      where: { id: reviewerId },
      select: { id: true },
    });
    if (!reviewer) throw new NotFoundError('User', reviewerId);
    return this.db.prisma.$transaction(async (tx) => {
      const found = await tx.moderationFlag.findMany({ where: { id: { in: ids } }, select: { id: true } });
      const missing = ids.find((id) => !found.some((f) => f.id === id));
      if (missing) throw new NotFoundError('ModerationFlag', missing);
      await tx.moderationFlag.updateMany({
        where: { id: { in: ids } },
        data: { status: decision, reviewerId, reviewNote: note ?? null, reviewedAt: new Date() },
      });
      return tx.moderationFlag.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: 'asc' } });
    });
  }

  private async requirePolicy(id: string): Promise<ModerationPolicy> {
    const policy = await this.db.prisma.moderationPolicy.findUnique({ where: { id } });
    if (!policy) throw new NotFoundError('ModerationPolicy', id);
    return policy;
  }

  private async requireFlag(id: string): Promise<ModerationFlag> {
    const flag = await this.db.prisma.moderationFlag.findUnique({ where: { id } });
    if (!flag) throw new NotFoundError('ModerationFlag', id);
    return flag;
  }
}

function toRules(policy: ModerationPolicy): PolicyRules {
  return {
    id: policy.id,
    name: policy.name,
    categories: parsePolicyCategories(policy.categories),
    blockTerms: policy.blockTerms,
    allowTerms: policy.allowTerms,
    action: policy.action,
  };
}

function toPolicyData(input: Partial<PolicyInput>): Prisma.ModerationPolicyUncheckedUpdateInput {
  if (input.name !== undefined && input.name.trim() === '')
    throw new BadInputError('policy name is empty', { field: 'name' });
  let categories: Prisma.InputJsonValue | undefined;
  if (input.categories !== undefined) {
    try {
      categories = parsePolicyCategories(input.categories) as unknown as Prisma.InputJsonValue;
    } catch (cause) {
      throw new BadInputError(
        `invalid policy categories: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          field: 'categories',
        },
      );
    }
  }
  const terms = (list: string[] | undefined, field: string) => {
    if (list?.some((t) => t.trim() === '')) throw new BadInputError('terms must not be empty', { field });
    return list?.map((t) => t.trim());
  };
  return {
    name: input.name?.trim(),
    categories,
    blockTerms: terms(input.blockTerms, 'blockTerms'),
    allowTerms: terms(input.allowTerms, 'allowTerms'),
    action: input.action,
    enabled: input.enabled,
    personaId: input.personaId,
  };
}
