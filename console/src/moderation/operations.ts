import { graphql } from '../gql';

export const ModerationFlagFieldsFragment = graphql(`
  fragment ModerationFlagFields on ModerationFlag {
    id
    sessionId
    turnId
    policyId
    text
    replacement
    category
    status
    reviewer { id username }
    reviewNote
    reviewedAt
    createdAt
  }
`);

export const ModerationFlagsQuery = graphql(`
  query ConsoleModerationFlags($first: Int!, $after: String, $status: FlagStatus) {
    moderationFlags(first: $first, after: $after, status: $status) {
      edges { node { ...ModerationFlagFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ModerationFlagQuery = graphql(`
  query ConsoleModerationFlag($id: ID!) {
    node(id: $id) { __typename ... on ModerationFlag { ...ModerationFlagFields } }
  }
`);

export const ReviewModerationFlagsMutation = graphql(`
  mutation ConsoleReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!, $note: String) {
    reviewModerationFlags(ids: $ids, decision: $decision, note: $note) { ...ModerationFlagFields }
  }
`);

export const ModerationPolicyFieldsFragment = graphql(`
  fragment ModerationPolicyFields on ModerationPolicy {
    id
    name
    categories
    blockTerms
    allowTerms
    action
    enabled
    personaId
    createdAt
    updatedAt
  }
`);

export const ModerationPoliciesQuery = graphql(`
  query ConsoleModerationPolicies {
    moderationPolicies { ...ModerationPolicyFields }
  }
`);

export const ModerationPolicyQuery = graphql(`
  query ConsoleModerationPolicy($id: ID!) {
    node(id: $id) { __typename ... on ModerationPolicy { ...ModerationPolicyFields } }
  }
`);

export const CreateModerationPolicyMutation = graphql(`
  mutation ConsoleCreateModerationPolicy($input: ModerationPolicyInput!) {
    createModerationPolicy(input: $input) { ...ModerationPolicyFields }
  }
`);

export const UpdateModerationPolicyMutation = graphql(`
  mutation ConsoleUpdateModerationPolicy($id: ID!, $input: ModerationPolicyInput!) {
    updateModerationPolicy(id: $id, input: $input) { ...ModerationPolicyFields }
  }
`);

export const DeleteModerationPolicyMutation = graphql(`
  mutation ConsoleDeleteModerationPolicy($id: ID!) {
    deleteModerationPolicy(id: $id)
  }
`);
