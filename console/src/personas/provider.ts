import type { CreateParams, GetListParams, GetOneParams, UpdateParams } from 'react-admin';
import { request } from '../api/client';
import { pageOf, type ResourceProvider, withoutBlanks } from '../api/dataProvider';
import type { PersonaCreateInput, PersonaFieldsFragment, PersonaUpdateInput } from '../gql/graphql';
import {
  ArchivePersonaMutation,
  CreatePersonaMutation,
  PersonaQuery,
  PersonasQuery,
  UpdatePersonaMutation,
} from './operations';

/** The fields an admin edits; everything else on the record is read-only. */
const EDITABLE = [
  'name',
  'description',
  'systemPrompt',
  'greeting',
  'safeFallback',
  'failureLine',
  'voice',
  'ttsProvider',
  'sttProvider',
  'llmProvider',
  'llmModel',
  'avatarRig',
  'visemeMap',
  'gestureLibrary',
  'defaultEmotion',
  'capabilities',
  'conversationMode',
  'agentProvider',
  'agentModel',
  'agentVoice',
  'turnDetection',
  'tools',
] as const;

function toInput(data: Partial<PersonaFieldsFragment>): PersonaUpdateInput {
  const picked = Object.fromEntries(EDITABLE.map((key) => [key, data[key]]));
  return withoutBlanks(picked) as PersonaUpdateInput;
}

export const personasProvider: ResourceProvider = {
  async getList(params: GetListParams) {
    return pageOf(params.pagination, async (first, after) => {
      const { personas } = await request(PersonasQuery, {
        first,
        after,
        search: params.filter?.q || undefined,
        includeArchived: Boolean(params.filter?.includeArchived),
      });
      return personas;
    });
  },
  async getOne(params: GetOneParams) {
    const { persona } = await request(PersonaQuery, { id: String(params.id) });
    if (!persona) throw new Error(`Persona ${params.id} not found`);
    return { data: persona };
  },
  async getMany(params) {
    const found = await Promise.all(params.ids.map((id) => request(PersonaQuery, { id: String(id) })));
    return { data: found.flatMap((r) => (r.persona ? [r.persona] : [])) };
  },
  async create(params: CreateParams) {
    const { createPersona } = await request(CreatePersonaMutation, {
      input: toInput(params.data) as PersonaCreateInput,
    });
    return { data: createPersona };
  },
  async update(params: UpdateParams) {
    const { updatePersona } = await request(UpdatePersonaMutation, {
      id: String(params.id),
      input: toInput(params.data),
    });
    return { data: updatePersona };
  },
  // Personas are archived, never deleted: sessions and replays keep pointing at them.
  async delete(params) {
    const { archivePersona } = await request(ArchivePersonaMutation, { id: String(params.id) });
    return { data: archivePersona };
  },
};
