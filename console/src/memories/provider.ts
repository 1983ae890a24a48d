import { request } from '../api/client';
import { pageOf, type ResourceProvider } from '../api/dataProvider';
import {
  DeleteMemoryMutation,
  MemoriesQuery,
  MemoryQuery,
  UpdateMemoryImportanceMutation,
} from './operations';

async function getMemory(id: string) {
  const { node } = await request(MemoryQuery, { id });
  if (node?.__typename !== 'Memory') throw new Error(`Memory ${id} not found`);
  return node;
}

export const memoriesProvider: ResourceProvider = {
  async getList(params) {
    const userId = params.filter?.userId as string | undefined;
    return pageOf(params.pagination, async (first, after) => {
      const { memories } = await request(MemoriesQuery, {
        first,
        after,
        userId,
        search: params.filter?.q || undefined,
      });
      return memories;
    });
  },
  async getOne(params) {
    return { data: await getMemory(String(params.id)) };
  },
  async getMany(params) {
    return { data: await Promise.all(params.ids.map((id) => getMemory(String(id)))) };
  },
  // Only the importance of a memory is editable: the text is what the user said.
  async update(params) {
    const { updateMemoryImportance } = await request(UpdateMemoryImportanceMutation, {
      id: String(params.id),
      importance: Number(params.data.importance),
    });
    return { data: updateMemoryImportance };
  },
  async delete(params) {
    await request(DeleteMemoryMutation, { id: String(params.id) });
    return { data: params.previousData ?? { id: params.id } } as never;
  },
  async deleteMany(params) {
    for (const id of params.ids) await request(DeleteMemoryMutation, { id: String(id) });
    return { data: params.ids };
  },
};
