import type { GetListParams } from 'react-admin';
import { request } from '../api/client';
import { pageOf, type ResourceProvider } from '../api/dataProvider';
import { NodesQuery, UsersQuery } from '../sessions/operations';

export const usersProvider: ResourceProvider = {
  async getList(params: GetListParams) {
    return pageOf(params.pagination, async (first, after) => {
      const { users } = await request(UsersQuery, { first, after, search: params.filter?.q || undefined });
      return users;
    });
  },
  async getMany(params) {
    const { nodes } = await request(NodesQuery, { ids: params.ids.map(String) });
    return { data: nodes.filter((n) => n?.__typename === 'User') };
  },
  async getOne(params) {
    const { nodes } = await request(NodesQuery, { ids: [String(params.id)] });
    const user = nodes[0];
    if (user?.__typename !== 'User') throw new Error(`User ${params.id} not found`);
    return { data: user };
  },
};
