import { graphql } from '../gql';

export const MemoryFieldsFragment = graphql(`
  fragment MemoryFields on Memory {
    id
    text
    kind
    importance
    userId
    persona { id name }
    sourceSessionId
    createdAt
    updatedAt
    lastAccessedAt
  }
`);

export const MemoriesQuery = graphql(`
  query ConsoleMemories($first: Int!, $after: String, $userId: ID, $search: String) {
    memories(first: $first, after: $after, userId: $userId, search: $search) {
      edges { node { ...MemoryFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const MemoryQuery = graphql(`
  query ConsoleMemory($id: ID!) {
    node(id: $id) { __typename ... on Memory { ...MemoryFields } }
  }
`);

export const UpdateMemoryImportanceMutation = graphql(`
  mutation ConsoleUpdateMemoryImportance($id: ID!, $importance: Float!) {
    updateMemoryImportance(id: $id, importance: $importance) { ...MemoryFields }
  }
`);

export const DeleteMemoryMutation = graphql(`
  mutation ConsoleDeleteMemory($id: ID!) {
    deleteMemory(id: $id)
  }
`);

export const PrivacyRequestFieldsFragment = graphql(`
  fragment PrivacyRequestFields on PrivacyRequest {
    id
    kind
    status
    result
    download { url }
    error
    createdAt
    completedAt
  }
`);

export const RequestDataExportMutation = graphql(`
  mutation ConsoleRequestDataExport($userId: ID!) {
    requestDataExport(userId: $userId) { ...PrivacyRequestFields }
  }
`);

export const RequestDataDeletionMutation = graphql(`
  mutation ConsoleRequestDataDeletion($userId: ID!) {
    requestDataDeletion(userId: $userId) { ...PrivacyRequestFields }
  }
`);

export const PrivacyRequestQuery = graphql(`
  query ConsolePrivacyRequest($id: ID!) {
    privacyRequest(id: $id) { ...PrivacyRequestFields }
  }
`);
