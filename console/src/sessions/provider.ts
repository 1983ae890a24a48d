import type { GetListParams, GetOneParams } from 'react-admin';
import { request } from '../api/client';
import { pageOf, type ResourceProvider } from '../api/dataProvider';
import type { SessionFilter, SessionStatus } from '../gql/graphql';
import { SessionQuery, SessionsQuery } from './operations';

/** Date inputs give a day (YYYY-MM-DD); "before" includes that whole day. */
const dayStart = (day: unknown) => (day ? new Date(`${String(day)}T00:00:00`).toISOString() : undefined);
const dayEnd = (day: unknown) => (day ? new Date(`${String(day)}T23:59:59.999`).toISOString() : undefined);

export function toSessionFilter(filter: Record<string, unknown> = {}): SessionFilter {
  return {
    userId: (filter.userId as string) || undefined,
    personaId: (filter.personaId as string) || undefined,
    status: (filter.status as SessionStatus) || undefined,
    createdAfter: dayStart(filter.createdAfter),
    createdBefore: dayEnd(filter.createdBefore),
  };
}

export const sessionsProvider: ResourceProvider = {
  async getList(params: GetListParams) {
    return pageOf(params.pagination, async (first, after) => {
      const { sessions } = await request(SessionsQuery, {
        first,
        after,
        filter: toSessionFilter(params.filter),
      });
      return sessions;
    });
  },
  async getOne(params: GetOneParams) {
    const { session } = await request(SessionQuery, { id: String(params.id) });
    return { data: session };
  },
};
