import { request } from '../api/client';
import { pageOf, type ResourceProvider } from '../api/dataProvider';
import type {
  FlagStatus,
  ModerationPolicyFieldsFragment,
  ModerationPolicyInput,
  ReviewDecision,
} from '../gql/graphql';
import {
  CreateModerationPolicyMutation,
  DeleteModerationPolicyMutation,
  ModerationFlagQuery,
  ModerationFlagsQuery,
  ModerationPoliciesQuery,
  ModerationPolicyQuery,
  ReviewModerationFlagsMutation,
  UpdateModerationPolicyMutation,
} from './operations';

async function getFlag(id: string) {
  const { node } = await request(ModerationFlagQuery, { id });
  if (node?.__typename !== 'ModerationFlag') throw new Error(`Flag ${id} not found`);
  return node;
}

async function review(ids: string[], decision: ReviewDecision, note?: string) {
  const { reviewModerationFlags } = await request(ReviewModerationFlagsMutation, { ids, decision, note });
  return reviewModerationFlags;
}

export const moderationFlagsProvider: ResourceProvider = {
  async getList(params) {
    const status = (params.filter?.status as FlagStatus | undefined) || undefined;
    return pageOf(params.pagination, async (first, after) => {
      const { moderationFlags } = await request(ModerationFlagsQuery, { first, after, status });
      return moderationFlags;
    });
  },
  async getOne(params) {
    return { data: await getFlag(String(params.id)) };
  },
  async getMany(params) {
    return { data: await Promise.all(params.ids.map((id) => getFlag(String(id)))) };
  },
  /** A review is an update of the flag's status: `{ decision: 'APPROVED' | 'REJECTED', note? }`. */
  async update(params) {
    const [flag] = await review([String(params.id)], params.data.decision, params.data.note || undefined);
    return { data: flag! };
  },
  async updateMany(params) {
    const flags = await review(params.ids.map(String), params.data.decision, params.data.note || undefined);
    return { data: flags.map((f) => f.id) };
  },
};

function fromApi(policy: ModerationPolicyFieldsFragment) {
  return { ...policy, personaId: policy.personaId ?? null };
}

function toInput(data: Record<string, unknown>): ModerationPolicyInput {
  return {
    name: data.name as string,
    categories: data.categories ?? [],
    blockTerms: (data.blockTerms as string[] | undefined) ?? [],
    allowTerms: (data.allowTerms as string[] | undefined) ?? [],
    action: data.action as ModerationPolicyInput['action'],
    enabled: Boolean(data.enabled),
    personaId: data.personaId ? String(data.personaId) : undefined,
  };
}

async function getPolicy(id: string) {
  const { node } = await request(ModerationPolicyQuery, { id });
  if (node?.__typename !== 'ModerationPolicy') throw new Error(`Policy ${id} not found`);
  return fromApi(node);
}

export const moderationPoliciesProvider: ResourceProvider = {
  // The API returns every policy at once (there are few); react-admin pages them here.
  async getList(params) {
    const { moderationPolicies } = await request(ModerationPoliciesQuery, {});
    const { page = 1, perPage = 25 } = params.pagination ?? {};
    const all = moderationPolicies.map(fromApi);
    return { data: all.slice((page - 1) * perPage, page * perPage), total: all.length };
  },
  async getOne(params) {
    return { data: await getPolicy(String(params.id)) };
  },
  async getMany(params) {
    return { data: await Promise.all(params.ids.map((id) => getPolicy(String(id)))) };
  },
  async create(params) {
    const { createModerationPolicy } = await request(CreateModerationPolicyMutation, {
      input: toInput(params.data),
    });
    return { data: fromApi(createModerationPolicy) };
  },
  async update(params) {
    const { updateModerationPolicy } = await request(UpdateModerationPolicyMutation, {
      id: String(params.id),
      input: toInput(params.data),
    });
    return { data: fromApi(updateModerationPolicy) };
  },
  async delete(params) {
    await request(DeleteModerationPolicyMutation, { id: String(params.id) });
    return { data: params.previousData ?? { id: params.id } } as never;
  },
};
