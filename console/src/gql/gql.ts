/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ConsolePlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n": typeof types.ConsolePlatformActivityDocument,
    "\n  fragment MemoryFields on Memory {\n    id\n    text\n    kind\n    importance\n    userId\n    persona { id name }\n    sourceSessionId\n    createdAt\n    updatedAt\n    lastAccessedAt\n  }\n": typeof types.MemoryFieldsFragmentDoc,
    "\n  query ConsoleMemories($first: Int!, $after: String, $userId: ID, $search: String) {\n    memories(first: $first, after: $after, userId: $userId, search: $search) {\n      edges { node { ...MemoryFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ConsoleMemoriesDocument,
    "\n  query ConsoleMemory($id: ID!) {\n    node(id: $id) { __typename ... on Memory { ...MemoryFields } }\n  }\n": typeof types.ConsoleMemoryDocument,
    "\n  mutation ConsoleUpdateMemoryImportance($id: ID!, $importance: Float!) {\n    updateMemoryImportance(id: $id, importance: $importance) { ...MemoryFields }\n  }\n": typeof types.ConsoleUpdateMemoryImportanceDocument,
    "\n  mutation ConsoleDeleteMemory($id: ID!) {\n    deleteMemory(id: $id)\n  }\n": typeof types.ConsoleDeleteMemoryDocument,
    "\n  fragment PrivacyRequestFields on PrivacyRequest {\n    id\n    kind\n    status\n    result\n    download { url }\n    error\n    createdAt\n    completedAt\n  }\n": typeof types.PrivacyRequestFieldsFragmentDoc,
    "\n  mutation ConsoleRequestDataExport($userId: ID!) {\n    requestDataExport(userId: $userId) { ...PrivacyRequestFields }\n  }\n": typeof types.ConsoleRequestDataExportDocument,
    "\n  mutation ConsoleRequestDataDeletion($userId: ID!) {\n    requestDataDeletion(userId: $userId) { ...PrivacyRequestFields }\n  }\n": typeof types.ConsoleRequestDataDeletionDocument,
    "\n  query ConsolePrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { ...PrivacyRequestFields }\n  }\n": typeof types.ConsolePrivacyRequestDocument,
    "\n  fragment ModerationFlagFields on ModerationFlag {\n    id\n    sessionId\n    turnId\n    policyId\n    text\n    replacement\n    category\n    status\n    reviewer { id username }\n    reviewNote\n    reviewedAt\n    createdAt\n  }\n": typeof types.ModerationFlagFieldsFragmentDoc,
    "\n  query ConsoleModerationFlags($first: Int!, $after: String, $status: FlagStatus) {\n    moderationFlags(first: $first, after: $after, status: $status) {\n      edges { node { ...ModerationFlagFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ConsoleModerationFlagsDocument,
    "\n  query ConsoleModerationFlag($id: ID!) {\n    node(id: $id) { __typename ... on ModerationFlag { ...ModerationFlagFields } }\n  }\n": typeof types.ConsoleModerationFlagDocument,
    "\n  mutation ConsoleReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!, $note: String) {\n    reviewModerationFlags(ids: $ids, decision: $decision, note: $note) { ...ModerationFlagFields }\n  }\n": typeof types.ConsoleReviewModerationFlagsDocument,
    "\n  fragment ModerationPolicyFields on ModerationPolicy {\n    id\n    name\n    categories\n    blockTerms\n    allowTerms\n    action\n    enabled\n    personaId\n    createdAt\n    updatedAt\n  }\n": typeof types.ModerationPolicyFieldsFragmentDoc,
    "\n  query ConsoleModerationPolicies {\n    moderationPolicies { ...ModerationPolicyFields }\n  }\n": typeof types.ConsoleModerationPoliciesDocument,
    "\n  query ConsoleModerationPolicy($id: ID!) {\n    node(id: $id) { __typename ... on ModerationPolicy { ...ModerationPolicyFields } }\n  }\n": typeof types.ConsoleModerationPolicyDocument,
    "\n  mutation ConsoleCreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { ...ModerationPolicyFields }\n  }\n": typeof types.ConsoleCreateModerationPolicyDocument,
    "\n  mutation ConsoleUpdateModerationPolicy($id: ID!, $input: ModerationPolicyInput!) {\n    updateModerationPolicy(id: $id, input: $input) { ...ModerationPolicyFields }\n  }\n": typeof types.ConsoleUpdateModerationPolicyDocument,
    "\n  mutation ConsoleDeleteModerationPolicy($id: ID!) {\n    deleteModerationPolicy(id: $id)\n  }\n": typeof types.ConsoleDeleteModerationPolicyDocument,
    "\n  fragment PersonaFields on Persona {\n    id\n    name\n    description\n    systemPrompt\n    greeting\n    safeFallback\n    failureLine\n    voice\n    ttsProvider\n    sttProvider\n    llmProvider\n    llmModel\n    avatarRig\n    visemeMap\n    gestureLibrary\n    defaultEmotion\n    capabilities\n    conversationMode\n    agentProvider\n    agentModel\n    agentVoice\n    turnDetection\n    tools\n    createdAt\n    updatedAt\n    archivedAt\n  }\n": typeof types.PersonaFieldsFragmentDoc,
    "\n  query ConsolePersonas($first: Int!, $after: String, $search: String, $includeArchived: Boolean) {\n    personas(first: $first, after: $after, search: $search, includeArchived: $includeArchived) {\n      edges { node { ...PersonaFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ConsolePersonasDocument,
    "\n  query ConsolePersona($id: ID!) {\n    persona(id: $id) { ...PersonaFields }\n  }\n": typeof types.ConsolePersonaDocument,
    "\n  mutation ConsoleCreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) { ...PersonaFields }\n  }\n": typeof types.ConsoleCreatePersonaDocument,
    "\n  mutation ConsoleUpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { ...PersonaFields }\n  }\n": typeof types.ConsoleUpdatePersonaDocument,
    "\n  mutation ConsoleArchivePersona($id: ID!) {\n    archivePersona(id: $id) { ...PersonaFields }\n  }\n": typeof types.ConsoleArchivePersonaDocument,
    "\n  fragment SessionSummary on Session {\n    id\n    status\n    capabilities\n    traceId\n    createdAt\n    startedAt\n    endedAt\n    endReason\n    user { id username displayName }\n    persona { id name avatarRig }\n  }\n": typeof types.SessionSummaryFragmentDoc,
    "\n  query ConsoleSessions($first: Int!, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { node { ...SessionSummary } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ConsoleSessionsDocument,
    "\n  query ConsoleSession($id: ID!) {\n    session(id: $id) { ...SessionSummary }\n  }\n": typeof types.ConsoleSessionDocument,
    "\n  query ConsoleSessionTurns($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      turns(first: 100, after: $after) {\n        edges { node { id role text utteranceId interrupted emotion timings startedAt endedAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.ConsoleSessionTurnsDocument,
    "\n  query ConsoleSessionEventLog($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      events(first: 100, after: $after) {\n        edges { node { seq type payload createdAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.ConsoleSessionEventLogDocument,
    "\n  query ConsoleUsers($first: Int!, $after: String, $search: String) {\n    users(first: $first, after: $after, search: $search) {\n      edges { node { id username displayName role createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ConsoleUsersDocument,
    "\n  mutation ConsoleCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) { sessionToken session { id } }\n  }\n": typeof types.ConsoleCreateSessionDocument,
    "\n  mutation ConsoleSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n": typeof types.ConsoleSendTextDocument,
    "\n  mutation ConsoleEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n": typeof types.ConsoleEndSessionDocument,
    "\n  subscription ConsoleSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq at }\n      ... on TranscriptPartial { utteranceId text }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on ResponseStarted { responseId startedFor: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on SessionEnded { reason }\n    }\n  }\n": typeof types.ConsoleSessionEventsDocument,
    "\n  query ConsoleNodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on User { id username displayName role createdAt }\n    }\n  }\n": typeof types.ConsoleNodesDocument,
};
const documents: Documents = {
    "\n  query ConsolePlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n": types.ConsolePlatformActivityDocument,
    "\n  fragment MemoryFields on Memory {\n    id\n    text\n    kind\n    importance\n    userId\n    persona { id name }\n    sourceSessionId\n    createdAt\n    updatedAt\n    lastAccessedAt\n  }\n": types.MemoryFieldsFragmentDoc,
    "\n  query ConsoleMemories($first: Int!, $after: String, $userId: ID, $search: String) {\n    memories(first: $first, after: $after, userId: $userId, search: $search) {\n      edges { node { ...MemoryFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ConsoleMemoriesDocument,
    "\n  query ConsoleMemory($id: ID!) {\n    node(id: $id) { __typename ... on Memory { ...MemoryFields } }\n  }\n": types.ConsoleMemoryDocument,
    "\n  mutation ConsoleUpdateMemoryImportance($id: ID!, $importance: Float!) {\n    updateMemoryImportance(id: $id, importance: $importance) { ...MemoryFields }\n  }\n": types.ConsoleUpdateMemoryImportanceDocument,
    "\n  mutation ConsoleDeleteMemory($id: ID!) {\n    deleteMemory(id: $id)\n  }\n": types.ConsoleDeleteMemoryDocument,
    "\n  fragment PrivacyRequestFields on PrivacyRequest {\n    id\n    kind\n    status\n    result\n    download { url }\n    error\n    createdAt\n    completedAt\n  }\n": types.PrivacyRequestFieldsFragmentDoc,
    "\n  mutation ConsoleRequestDataExport($userId: ID!) {\n    requestDataExport(userId: $userId) { ...PrivacyRequestFields }\n  }\n": types.ConsoleRequestDataExportDocument,
    "\n  mutation ConsoleRequestDataDeletion($userId: ID!) {\n    requestDataDeletion(userId: $userId) { ...PrivacyRequestFields }\n  }\n": types.ConsoleRequestDataDeletionDocument,
    "\n  query ConsolePrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { ...PrivacyRequestFields }\n  }\n": types.ConsolePrivacyRequestDocument,
    "\n  fragment ModerationFlagFields on ModerationFlag {\n    id\n    sessionId\n    turnId\n    policyId\n    text\n    replacement\n    category\n    status\n    reviewer { id username }\n    reviewNote\n    reviewedAt\n    createdAt\n  }\n": types.ModerationFlagFieldsFragmentDoc,
    "\n  query ConsoleModerationFlags($first: Int!, $after: String, $status: FlagStatus) {\n    moderationFlags(first: $first, after: $after, status: $status) {\n      edges { node { ...ModerationFlagFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ConsoleModerationFlagsDocument,
    "\n  query ConsoleModerationFlag($id: ID!) {\n    node(id: $id) { __typename ... on ModerationFlag { ...ModerationFlagFields } }\n  }\n": types.ConsoleModerationFlagDocument,
    "\n  mutation ConsoleReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!, $note: String) {\n    reviewModerationFlags(ids: $ids, decision: $decision, note: $note) { ...ModerationFlagFields }\n  }\n": types.ConsoleReviewModerationFlagsDocument,
    "\n  fragment ModerationPolicyFields on ModerationPolicy {\n    id\n    name\n    categories\n    blockTerms\n    allowTerms\n    action\n    enabled\n    personaId\n    createdAt\n    updatedAt\n  }\n": types.ModerationPolicyFieldsFragmentDoc,
    "\n  query ConsoleModerationPolicies {\n    moderationPolicies { ...ModerationPolicyFields }\n  }\n": types.ConsoleModerationPoliciesDocument,
    "\n  query ConsoleModerationPolicy($id: ID!) {\n    node(id: $id) { __typename ... on ModerationPolicy { ...ModerationPolicyFields } }\n  }\n": types.ConsoleModerationPolicyDocument,
    "\n  mutation ConsoleCreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { ...ModerationPolicyFields }\n  }\n": types.ConsoleCreateModerationPolicyDocument,
    "\n  mutation ConsoleUpdateModerationPolicy($id: ID!, $input: ModerationPolicyInput!) {\n    updateModerationPolicy(id: $id, input: $input) { ...ModerationPolicyFields }\n  }\n": types.ConsoleUpdateModerationPolicyDocument,
    "\n  mutation ConsoleDeleteModerationPolicy($id: ID!) {\n    deleteModerationPolicy(id: $id)\n  }\n": types.ConsoleDeleteModerationPolicyDocument,
    "\n  fragment PersonaFields on Persona {\n    id\n    name\n    description\n    systemPrompt\n    greeting\n    safeFallback\n    failureLine\n    voice\n    ttsProvider\n    sttProvider\n    llmProvider\n    llmModel\n    avatarRig\n    visemeMap\n    gestureLibrary\n    defaultEmotion\n    capabilities\n    conversationMode\n    agentProvider\n    agentModel\n    agentVoice\n    turnDetection\n    tools\n    createdAt\n    updatedAt\n    archivedAt\n  }\n": types.PersonaFieldsFragmentDoc,
    "\n  query ConsolePersonas($first: Int!, $after: String, $search: String, $includeArchived: Boolean) {\n    personas(first: $first, after: $after, search: $search, includeArchived: $includeArchived) {\n      edges { node { ...PersonaFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ConsolePersonasDocument,
    "\n  query ConsolePersona($id: ID!) {\n    persona(id: $id) { ...PersonaFields }\n  }\n": types.ConsolePersonaDocument,
    "\n  mutation ConsoleCreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) { ...PersonaFields }\n  }\n": types.ConsoleCreatePersonaDocument,
    "\n  mutation ConsoleUpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { ...PersonaFields }\n  }\n": types.ConsoleUpdatePersonaDocument,
    "\n  mutation ConsoleArchivePersona($id: ID!) {\n    archivePersona(id: $id) { ...PersonaFields }\n  }\n": types.ConsoleArchivePersonaDocument,
    "\n  fragment SessionSummary on Session {\n    id\n    status\n    capabilities\n    traceId\n    createdAt\n    startedAt\n    endedAt\n    endReason\n    user { id username displayName }\n    persona { id name avatarRig }\n  }\n": types.SessionSummaryFragmentDoc,
    "\n  query ConsoleSessions($first: Int!, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { node { ...SessionSummary } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ConsoleSessionsDocument,
    "\n  query ConsoleSession($id: ID!) {\n    session(id: $id) { ...SessionSummary }\n  }\n": types.ConsoleSessionDocument,
    "\n  query ConsoleSessionTurns($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      turns(first: 100, after: $after) {\n        edges { node { id role text utteranceId interrupted emotion timings startedAt endedAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.ConsoleSessionTurnsDocument,
    "\n  query ConsoleSessionEventLog($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      events(first: 100, after: $after) {\n        edges { node { seq type payload createdAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.ConsoleSessionEventLogDocument,
    "\n  query ConsoleUsers($first: Int!, $after: String, $search: String) {\n    users(first: $first, after: $after, search: $search) {\n      edges { node { id username displayName role createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ConsoleUsersDocument,
    "\n  mutation ConsoleCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) { sessionToken session { id } }\n  }\n": types.ConsoleCreateSessionDocument,
    "\n  mutation ConsoleSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n": types.ConsoleSendTextDocument,
    "\n  mutation ConsoleEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n": types.ConsoleEndSessionDocument,
    "\n  subscription ConsoleSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq at }\n      ... on TranscriptPartial { utteranceId text }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on ResponseStarted { responseId startedFor: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on SessionEnded { reason }\n    }\n  }\n": types.ConsoleSessionEventsDocument,
    "\n  query ConsoleNodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on User { id username displayName role createdAt }\n    }\n  }\n": types.ConsoleNodesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n"): (typeof documents)["\n  query ConsolePlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MemoryFields on Memory {\n    id\n    text\n    kind\n    importance\n    userId\n    persona { id name }\n    sourceSessionId\n    createdAt\n    updatedAt\n    lastAccessedAt\n  }\n"): (typeof documents)["\n  fragment MemoryFields on Memory {\n    id\n    text\n    kind\n    importance\n    userId\n    persona { id name }\n    sourceSessionId\n    createdAt\n    updatedAt\n    lastAccessedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleMemories($first: Int!, $after: String, $userId: ID, $search: String) {\n    memories(first: $first, after: $after, userId: $userId, search: $search) {\n      edges { node { ...MemoryFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleMemories($first: Int!, $after: String, $userId: ID, $search: String) {\n    memories(first: $first, after: $after, userId: $userId, search: $search) {\n      edges { node { ...MemoryFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleMemory($id: ID!) {\n    node(id: $id) { __typename ... on Memory { ...MemoryFields } }\n  }\n"): (typeof documents)["\n  query ConsoleMemory($id: ID!) {\n    node(id: $id) { __typename ... on Memory { ...MemoryFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleUpdateMemoryImportance($id: ID!, $importance: Float!) {\n    updateMemoryImportance(id: $id, importance: $importance) { ...MemoryFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleUpdateMemoryImportance($id: ID!, $importance: Float!) {\n    updateMemoryImportance(id: $id, importance: $importance) { ...MemoryFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleDeleteMemory($id: ID!) {\n    deleteMemory(id: $id)\n  }\n"): (typeof documents)["\n  mutation ConsoleDeleteMemory($id: ID!) {\n    deleteMemory(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PrivacyRequestFields on PrivacyRequest {\n    id\n    kind\n    status\n    result\n    download { url }\n    error\n    createdAt\n    completedAt\n  }\n"): (typeof documents)["\n  fragment PrivacyRequestFields on PrivacyRequest {\n    id\n    kind\n    status\n    result\n    download { url }\n    error\n    createdAt\n    completedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRequestDataExport($userId: ID!) {\n    requestDataExport(userId: $userId) { ...PrivacyRequestFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleRequestDataExport($userId: ID!) {\n    requestDataExport(userId: $userId) { ...PrivacyRequestFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRequestDataDeletion($userId: ID!) {\n    requestDataDeletion(userId: $userId) { ...PrivacyRequestFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleRequestDataDeletion($userId: ID!) {\n    requestDataDeletion(userId: $userId) { ...PrivacyRequestFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { ...PrivacyRequestFields }\n  }\n"): (typeof documents)["\n  query ConsolePrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { ...PrivacyRequestFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ModerationFlagFields on ModerationFlag {\n    id\n    sessionId\n    turnId\n    policyId\n    text\n    replacement\n    category\n    status\n    reviewer { id username }\n    reviewNote\n    reviewedAt\n    createdAt\n  }\n"): (typeof documents)["\n  fragment ModerationFlagFields on ModerationFlag {\n    id\n    sessionId\n    turnId\n    policyId\n    text\n    replacement\n    category\n    status\n    reviewer { id username }\n    reviewNote\n    reviewedAt\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleModerationFlags($first: Int!, $after: String, $status: FlagStatus) {\n    moderationFlags(first: $first, after: $after, status: $status) {\n      edges { node { ...ModerationFlagFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleModerationFlags($first: Int!, $after: String, $status: FlagStatus) {\n    moderationFlags(first: $first, after: $after, status: $status) {\n      edges { node { ...ModerationFlagFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleModerationFlag($id: ID!) {\n    node(id: $id) { __typename ... on ModerationFlag { ...ModerationFlagFields } }\n  }\n"): (typeof documents)["\n  query ConsoleModerationFlag($id: ID!) {\n    node(id: $id) { __typename ... on ModerationFlag { ...ModerationFlagFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!, $note: String) {\n    reviewModerationFlags(ids: $ids, decision: $decision, note: $note) { ...ModerationFlagFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!, $note: String) {\n    reviewModerationFlags(ids: $ids, decision: $decision, note: $note) { ...ModerationFlagFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ModerationPolicyFields on ModerationPolicy {\n    id\n    name\n    categories\n    blockTerms\n    allowTerms\n    action\n    enabled\n    personaId\n    createdAt\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment ModerationPolicyFields on ModerationPolicy {\n    id\n    name\n    categories\n    blockTerms\n    allowTerms\n    action\n    enabled\n    personaId\n    createdAt\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleModerationPolicies {\n    moderationPolicies { ...ModerationPolicyFields }\n  }\n"): (typeof documents)["\n  query ConsoleModerationPolicies {\n    moderationPolicies { ...ModerationPolicyFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleModerationPolicy($id: ID!) {\n    node(id: $id) { __typename ... on ModerationPolicy { ...ModerationPolicyFields } }\n  }\n"): (typeof documents)["\n  query ConsoleModerationPolicy($id: ID!) {\n    node(id: $id) { __typename ... on ModerationPolicy { ...ModerationPolicyFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { ...ModerationPolicyFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleCreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { ...ModerationPolicyFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleUpdateModerationPolicy($id: ID!, $input: ModerationPolicyInput!) {\n    updateModerationPolicy(id: $id, input: $input) { ...ModerationPolicyFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleUpdateModerationPolicy($id: ID!, $input: ModerationPolicyInput!) {\n    updateModerationPolicy(id: $id, input: $input) { ...ModerationPolicyFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleDeleteModerationPolicy($id: ID!) {\n    deleteModerationPolicy(id: $id)\n  }\n"): (typeof documents)["\n  mutation ConsoleDeleteModerationPolicy($id: ID!) {\n    deleteModerationPolicy(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PersonaFields on Persona {\n    id\n    name\n    description\n    systemPrompt\n    greeting\n    safeFallback\n    failureLine\n    voice\n    ttsProvider\n    sttProvider\n    llmProvider\n    llmModel\n    avatarRig\n    visemeMap\n    gestureLibrary\n    defaultEmotion\n    capabilities\n    conversationMode\n    agentProvider\n    agentModel\n    agentVoice\n    turnDetection\n    tools\n    createdAt\n    updatedAt\n    archivedAt\n  }\n"): (typeof documents)["\n  fragment PersonaFields on Persona {\n    id\n    name\n    description\n    systemPrompt\n    greeting\n    safeFallback\n    failureLine\n    voice\n    ttsProvider\n    sttProvider\n    llmProvider\n    llmModel\n    avatarRig\n    visemeMap\n    gestureLibrary\n    defaultEmotion\n    capabilities\n    conversationMode\n    agentProvider\n    agentModel\n    agentVoice\n    turnDetection\n    tools\n    createdAt\n    updatedAt\n    archivedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePersonas($first: Int!, $after: String, $search: String, $includeArchived: Boolean) {\n    personas(first: $first, after: $after, search: $search, includeArchived: $includeArchived) {\n      edges { node { ...PersonaFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query ConsolePersonas($first: Int!, $after: String, $search: String, $includeArchived: Boolean) {\n    personas(first: $first, after: $after, search: $search, includeArchived: $includeArchived) {\n      edges { node { ...PersonaFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePersona($id: ID!) {\n    persona(id: $id) { ...PersonaFields }\n  }\n"): (typeof documents)["\n  query ConsolePersona($id: ID!) {\n    persona(id: $id) { ...PersonaFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) { ...PersonaFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleCreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) { ...PersonaFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleUpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { ...PersonaFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleUpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { ...PersonaFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleArchivePersona($id: ID!) {\n    archivePersona(id: $id) { ...PersonaFields }\n  }\n"): (typeof documents)["\n  mutation ConsoleArchivePersona($id: ID!) {\n    archivePersona(id: $id) { ...PersonaFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SessionSummary on Session {\n    id\n    status\n    capabilities\n    traceId\n    createdAt\n    startedAt\n    endedAt\n    endReason\n    user { id username displayName }\n    persona { id name avatarRig }\n  }\n"): (typeof documents)["\n  fragment SessionSummary on Session {\n    id\n    status\n    capabilities\n    traceId\n    createdAt\n    startedAt\n    endedAt\n    endReason\n    user { id username displayName }\n    persona { id name avatarRig }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSessions($first: Int!, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { node { ...SessionSummary } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleSessions($first: Int!, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { node { ...SessionSummary } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSession($id: ID!) {\n    session(id: $id) { ...SessionSummary }\n  }\n"): (typeof documents)["\n  query ConsoleSession($id: ID!) {\n    session(id: $id) { ...SessionSummary }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSessionTurns($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      turns(first: 100, after: $after) {\n        edges { node { id role text utteranceId interrupted emotion timings startedAt endedAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleSessionTurns($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      turns(first: 100, after: $after) {\n        edges { node { id role text utteranceId interrupted emotion timings startedAt endedAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSessionEventLog($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      events(first: 100, after: $after) {\n        edges { node { seq type payload createdAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleSessionEventLog($id: ID!, $after: String) {\n    session(id: $id) {\n      id\n      events(first: 100, after: $after) {\n        edges { node { seq type payload createdAt } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleUsers($first: Int!, $after: String, $search: String) {\n    users(first: $first, after: $after, search: $search) {\n      edges { node { id username displayName role createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleUsers($first: Int!, $after: String, $search: String) {\n    users(first: $first, after: $after, search: $search) {\n      edges { node { id username displayName role createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) { sessionToken session { id } }\n  }\n"): (typeof documents)["\n  mutation ConsoleCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) { sessionToken session { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n"): (typeof documents)["\n  mutation ConsoleSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation ConsoleEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq at }\n      ... on TranscriptPartial { utteranceId text }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on ResponseStarted { responseId startedFor: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on SessionEnded { reason }\n    }\n  }\n"): (typeof documents)["\n  subscription ConsoleSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq at }\n      ... on TranscriptPartial { utteranceId text }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on ResponseStarted { responseId startedFor: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on SessionEnded { reason }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleNodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on User { id username displayName role createdAt }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleNodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on User { id username displayName role createdAt }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;