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
    "\n  query Me {\n    me { id username role }\n  }\n": typeof types.MeDocument,
    "\n  mutation CreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) {\n      id name systemPrompt voice avatarRig visemeMap gestureLibrary defaultEmotion capabilities\n    }\n  }\n": typeof types.CreatePersonaDocument,
    "\n  mutation UpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { id name voice greeting }\n  }\n": typeof types.UpdatePersonaDocument,
    "\n  query Personas($first: Int, $after: String, $search: String) {\n    personas(first: $first, after: $after, search: $search) {\n      edges { cursor node { id name } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.PersonasDocument,
    "\n  mutation CreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id status capabilities traceId rig persona { id name avatarRig } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n": typeof types.CreateSessionDocument,
    "\n  mutation EndSession($id: ID!) {\n    endSession(id: $id) { id status endedAt endReason }\n  }\n": typeof types.EndSessionDocument,
    "\n  mutation SendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n": typeof types.SendTextDocument,
    "\n  mutation Interrupt($sessionId: ID!) {\n    interrupt(sessionId: $sessionId) { interrupted }\n  }\n": typeof types.InterruptDocument,
    "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id status startedAt endedAt endReason\n      user { id username }\n      turns(first: 100) { edges { node { id role text interrupted utteranceId contractKept alignment } } }\n      events(first: 500) { edges { node { seq type payload } } }\n    }\n  }\n": typeof types.SessionDocument,
    "\n  query Sessions($first: Int, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { cursor node { id status user { username } persona { name } } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.SessionsDocument,
    "\n  subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence alternatives { text confidence } words { word startMs endMs confidence } }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n": typeof types.SessionEventsDocument,
    "\n  query Memories($first: Int, $userId: ID, $search: String) {\n    memories(first: $first, userId: $userId, search: $search) {\n      edges { node { id text kind importance sourceSession { id } } }\n    }\n  }\n": typeof types.MemoriesDocument,
    "\n  mutation CreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { id name blockTerms action }\n  }\n": typeof types.CreateModerationPolicyDocument,
    "\n  query ModerationFlags($status: FlagStatus) {\n    moderationFlags(first: 50, status: $status) {\n      edges { node { id text replacement category status turnId } }\n    }\n  }\n": typeof types.ModerationFlagsDocument,
    "\n  mutation ReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!) {\n    reviewModerationFlags(ids: $ids, decision: $decision) { id status }\n  }\n": typeof types.ReviewModerationFlagsDocument,
    "\n  mutation RequestDataExport($userId: ID) {\n    requestDataExport(userId: $userId) { id status }\n  }\n": typeof types.RequestDataExportDocument,
    "\n  mutation RequestDataDeletion($userId: ID) {\n    requestDataDeletion(userId: $userId) { id status }\n  }\n": typeof types.RequestDataDeletionDocument,
    "\n  query PrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { id kind status result error download { url expiresAt } }\n  }\n": typeof types.PrivacyRequestDocument,
    "\n  query PlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n": typeof types.PlatformActivityDocument,
    "\n  mutation SendImage($sessionId: ID!, $image: File!) {\n    sendImage(sessionId: $sessionId, image: $image) { accepted mimeType bytes }\n  }\n": typeof types.SendImageDocument,
    "\n  mutation SetPersona($sessionId: ID!, $personaId: ID!) {\n    setPersona(sessionId: $sessionId, personaId: $personaId) { accepted persona { id name } }\n  }\n": typeof types.SetPersonaDocument,
    "\n  mutation ArchivePersona($id: ID!) {\n    archivePersona(id: $id) { id archivedAt }\n  }\n": typeof types.ArchivePersonaDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me { id username role }\n  }\n": types.MeDocument,
    "\n  mutation CreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) {\n      id name systemPrompt voice avatarRig visemeMap gestureLibrary defaultEmotion capabilities\n    }\n  }\n": types.CreatePersonaDocument,
    "\n  mutation UpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { id name voice greeting }\n  }\n": types.UpdatePersonaDocument,
    "\n  query Personas($first: Int, $after: String, $search: String) {\n    personas(first: $first, after: $after, search: $search) {\n      edges { cursor node { id name } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.PersonasDocument,
    "\n  mutation CreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id status capabilities traceId rig persona { id name avatarRig } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n": types.CreateSessionDocument,
    "\n  mutation EndSession($id: ID!) {\n    endSession(id: $id) { id status endedAt endReason }\n  }\n": types.EndSessionDocument,
    "\n  mutation SendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n": types.SendTextDocument,
    "\n  mutation Interrupt($sessionId: ID!) {\n    interrupt(sessionId: $sessionId) { interrupted }\n  }\n": types.InterruptDocument,
    "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id status startedAt endedAt endReason\n      user { id username }\n      turns(first: 100) { edges { node { id role text interrupted utteranceId contractKept alignment } } }\n      events(first: 500) { edges { node { seq type payload } } }\n    }\n  }\n": types.SessionDocument,
    "\n  query Sessions($first: Int, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { cursor node { id status user { username } persona { name } } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.SessionsDocument,
    "\n  subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence alternatives { text confidence } words { word startMs endMs confidence } }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n": types.SessionEventsDocument,
    "\n  query Memories($first: Int, $userId: ID, $search: String) {\n    memories(first: $first, userId: $userId, search: $search) {\n      edges { node { id text kind importance sourceSession { id } } }\n    }\n  }\n": types.MemoriesDocument,
    "\n  mutation CreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { id name blockTerms action }\n  }\n": types.CreateModerationPolicyDocument,
    "\n  query ModerationFlags($status: FlagStatus) {\n    moderationFlags(first: 50, status: $status) {\n      edges { node { id text replacement category status turnId } }\n    }\n  }\n": types.ModerationFlagsDocument,
    "\n  mutation ReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!) {\n    reviewModerationFlags(ids: $ids, decision: $decision) { id status }\n  }\n": types.ReviewModerationFlagsDocument,
    "\n  mutation RequestDataExport($userId: ID) {\n    requestDataExport(userId: $userId) { id status }\n  }\n": types.RequestDataExportDocument,
    "\n  mutation RequestDataDeletion($userId: ID) {\n    requestDataDeletion(userId: $userId) { id status }\n  }\n": types.RequestDataDeletionDocument,
    "\n  query PrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { id kind status result error download { url expiresAt } }\n  }\n": types.PrivacyRequestDocument,
    "\n  query PlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n": types.PlatformActivityDocument,
    "\n  mutation SendImage($sessionId: ID!, $image: File!) {\n    sendImage(sessionId: $sessionId, image: $image) { accepted mimeType bytes }\n  }\n": types.SendImageDocument,
    "\n  mutation SetPersona($sessionId: ID!, $personaId: ID!) {\n    setPersona(sessionId: $sessionId, personaId: $personaId) { accepted persona { id name } }\n  }\n": types.SetPersonaDocument,
    "\n  mutation ArchivePersona($id: ID!) {\n    archivePersona(id: $id) { id archivedAt }\n  }\n": types.ArchivePersonaDocument,
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
export function graphql(source: "\n  query Me {\n    me { id username role }\n  }\n"): (typeof documents)["\n  query Me {\n    me { id username role }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) {\n      id name systemPrompt voice avatarRig visemeMap gestureLibrary defaultEmotion capabilities\n    }\n  }\n"): (typeof documents)["\n  mutation CreatePersona($input: PersonaCreateInput!) {\n    createPersona(input: $input) {\n      id name systemPrompt voice avatarRig visemeMap gestureLibrary defaultEmotion capabilities\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { id name voice greeting }\n  }\n"): (typeof documents)["\n  mutation UpdatePersona($id: ID!, $input: PersonaUpdateInput!) {\n    updatePersona(id: $id, input: $input) { id name voice greeting }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Personas($first: Int, $after: String, $search: String) {\n    personas(first: $first, after: $after, search: $search) {\n      edges { cursor node { id name } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Personas($first: Int, $after: String, $search: String) {\n    personas(first: $first, after: $after, search: $search) {\n      edges { cursor node { id name } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id status capabilities traceId rig persona { id name avatarRig } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n"): (typeof documents)["\n  mutation CreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id status capabilities traceId rig persona { id name avatarRig } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EndSession($id: ID!) {\n    endSession(id: $id) { id status endedAt endReason }\n  }\n"): (typeof documents)["\n  mutation EndSession($id: ID!) {\n    endSession(id: $id) { id status endedAt endReason }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n"): (typeof documents)["\n  mutation SendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Interrupt($sessionId: ID!) {\n    interrupt(sessionId: $sessionId) { interrupted }\n  }\n"): (typeof documents)["\n  mutation Interrupt($sessionId: ID!) {\n    interrupt(sessionId: $sessionId) { interrupted }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id status startedAt endedAt endReason\n      user { id username }\n      turns(first: 100) { edges { node { id role text interrupted utteranceId contractKept alignment } } }\n      events(first: 500) { edges { node { seq type payload } } }\n    }\n  }\n"): (typeof documents)["\n  query Session($id: ID!) {\n    session(id: $id) {\n      id status startedAt endedAt endReason\n      user { id username }\n      turns(first: 100) { edges { node { id role text interrupted utteranceId contractKept alignment } } }\n      events(first: 500) { edges { node { seq type payload } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sessions($first: Int, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { cursor node { id status user { username } persona { name } } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Sessions($first: Int, $after: String, $filter: SessionFilter) {\n    sessions(first: $first, after: $after, filter: $filter) {\n      edges { cursor node { id status user { username } persona { name } } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence alternatives { text confidence } words { word startMs endMs confidence } }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n"): (typeof documents)["\n  subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence alternatives { text confidence } words { word startMs endMs confidence } }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        phonemes { phoneme startMs endMs }\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Memories($first: Int, $userId: ID, $search: String) {\n    memories(first: $first, userId: $userId, search: $search) {\n      edges { node { id text kind importance sourceSession { id } } }\n    }\n  }\n"): (typeof documents)["\n  query Memories($first: Int, $userId: ID, $search: String) {\n    memories(first: $first, userId: $userId, search: $search) {\n      edges { node { id text kind importance sourceSession { id } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { id name blockTerms action }\n  }\n"): (typeof documents)["\n  mutation CreateModerationPolicy($input: ModerationPolicyInput!) {\n    createModerationPolicy(input: $input) { id name blockTerms action }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModerationFlags($status: FlagStatus) {\n    moderationFlags(first: 50, status: $status) {\n      edges { node { id text replacement category status turnId } }\n    }\n  }\n"): (typeof documents)["\n  query ModerationFlags($status: FlagStatus) {\n    moderationFlags(first: 50, status: $status) {\n      edges { node { id text replacement category status turnId } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!) {\n    reviewModerationFlags(ids: $ids, decision: $decision) { id status }\n  }\n"): (typeof documents)["\n  mutation ReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!) {\n    reviewModerationFlags(ids: $ids, decision: $decision) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestDataExport($userId: ID) {\n    requestDataExport(userId: $userId) { id status }\n  }\n"): (typeof documents)["\n  mutation RequestDataExport($userId: ID) {\n    requestDataExport(userId: $userId) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestDataDeletion($userId: ID) {\n    requestDataDeletion(userId: $userId) { id status }\n  }\n"): (typeof documents)["\n  mutation RequestDataDeletion($userId: ID) {\n    requestDataDeletion(userId: $userId) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { id kind status result error download { url expiresAt } }\n  }\n"): (typeof documents)["\n  query PrivacyRequest($id: ID!) {\n    privacyRequest(id: $id) { id kind status result error download { url expiresAt } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n"): (typeof documents)["\n  query PlatformActivity {\n    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendImage($sessionId: ID!, $image: File!) {\n    sendImage(sessionId: $sessionId, image: $image) { accepted mimeType bytes }\n  }\n"): (typeof documents)["\n  mutation SendImage($sessionId: ID!, $image: File!) {\n    sendImage(sessionId: $sessionId, image: $image) { accepted mimeType bytes }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetPersona($sessionId: ID!, $personaId: ID!) {\n    setPersona(sessionId: $sessionId, personaId: $personaId) { accepted persona { id name } }\n  }\n"): (typeof documents)["\n  mutation SetPersona($sessionId: ID!, $personaId: ID!) {\n    setPersona(sessionId: $sessionId, personaId: $personaId) { accepted persona { id name } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ArchivePersona($id: ID!) {\n    archivePersona(id: $id) { id archivedAt }\n  }\n"): (typeof documents)["\n  mutation ArchivePersona($id: ID!) {\n    archivePersona(id: $id) { id archivedAt }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;