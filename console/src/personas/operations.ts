import { graphql } from '../gql';

export const PersonaFieldsFragment = graphql(`
  fragment PersonaFields on Persona {
    id
    name
    description
    systemPrompt
    greeting
    safeFallback
    failureLine
    voice
    ttsProvider
    sttProvider
    llmProvider
    llmModel
    avatarRig
    visemeMap
    gestureLibrary
    defaultEmotion
    capabilities
    conversationMode
    agentProvider
    agentModel
    agentVoice
    turnDetection
    tools
    createdAt
    updatedAt
    archivedAt
  }
`);

export const PersonasQuery = graphql(`
  query ConsolePersonas($first: Int!, $after: String, $search: String, $includeArchived: Boolean) {
    personas(first: $first, after: $after, search: $search, includeArchived: $includeArchived) {
      edges { node { ...PersonaFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const PersonaQuery = graphql(`
  query ConsolePersona($id: ID!) {
    persona(id: $id) { ...PersonaFields }
  }
`);

export const CreatePersonaMutation = graphql(`
  mutation ConsoleCreatePersona($input: PersonaCreateInput!) {
    createPersona(input: $input) { ...PersonaFields }
  }
`);

export const UpdatePersonaMutation = graphql(`
  mutation ConsoleUpdatePersona($id: ID!, $input: PersonaUpdateInput!) {
    updatePersona(id: $id, input: $input) { ...PersonaFields }
  }
`);

export const ArchivePersonaMutation = graphql(`
  mutation ConsoleArchivePersona($id: ID!) {
    archivePersona(id: $id) { ...PersonaFields }
  }
`);
