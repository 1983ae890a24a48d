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
    "\n  query ClientPersonas($first: Int) {\n    personas(first: $first) { edges { node { id name description avatarRig } } }\n  }\n": typeof types.ClientPersonasDocument,
    "\n  mutation ClientCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id rig persona { id name } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n": typeof types.ClientCreateSessionDocument,
    "\n  mutation ClientRefreshSessionToken($sessionId: ID!) {\n    refreshSessionToken(sessionId: $sessionId) { sessionToken sessionTokenExpiresAt audioUrl graphqlUrl }\n  }\n": typeof types.ClientRefreshSessionTokenDocument,
    "\n  mutation ClientSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { utteranceId }\n  }\n": typeof types.ClientSendTextDocument,
    "\n  mutation ClientInterrupt($sessionId: ID!, $playedMs: Float, $responseId: String) {\n    interrupt(sessionId: $sessionId, playedMs: $playedMs, responseId: $responseId) { interrupted }\n  }\n": typeof types.ClientInterruptDocument,
    "\n  mutation ClientEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n": typeof types.ClientEndSessionDocument,
    "\n  subscription ClientSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n": typeof types.ClientSessionEventsDocument,
};
const documents: Documents = {
    "\n  query ClientPersonas($first: Int) {\n    personas(first: $first) { edges { node { id name description avatarRig } } }\n  }\n": types.ClientPersonasDocument,
    "\n  mutation ClientCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id rig persona { id name } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n": types.ClientCreateSessionDocument,
    "\n  mutation ClientRefreshSessionToken($sessionId: ID!) {\n    refreshSessionToken(sessionId: $sessionId) { sessionToken sessionTokenExpiresAt audioUrl graphqlUrl }\n  }\n": types.ClientRefreshSessionTokenDocument,
    "\n  mutation ClientSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { utteranceId }\n  }\n": types.ClientSendTextDocument,
    "\n  mutation ClientInterrupt($sessionId: ID!, $playedMs: Float, $responseId: String) {\n    interrupt(sessionId: $sessionId, playedMs: $playedMs, responseId: $responseId) { interrupted }\n  }\n": types.ClientInterruptDocument,
    "\n  mutation ClientEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n": types.ClientEndSessionDocument,
    "\n  subscription ClientSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n": types.ClientSessionEventsDocument,
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
export function graphql(source: "\n  query ClientPersonas($first: Int) {\n    personas(first: $first) { edges { node { id name description avatarRig } } }\n  }\n"): (typeof documents)["\n  query ClientPersonas($first: Int) {\n    personas(first: $first) { edges { node { id name description avatarRig } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id rig persona { id name } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n"): (typeof documents)["\n  mutation ClientCreateSession($input: CreateSessionInput!) {\n    createSession(input: $input) {\n      session { id rig persona { id name } }\n      sessionToken\n      sessionTokenExpiresAt\n      audioUrl\n      graphqlUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientRefreshSessionToken($sessionId: ID!) {\n    refreshSessionToken(sessionId: $sessionId) { sessionToken sessionTokenExpiresAt audioUrl graphqlUrl }\n  }\n"): (typeof documents)["\n  mutation ClientRefreshSessionToken($sessionId: ID!) {\n    refreshSessionToken(sessionId: $sessionId) { sessionToken sessionTokenExpiresAt audioUrl graphqlUrl }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { utteranceId }\n  }\n"): (typeof documents)["\n  mutation ClientSendText($sessionId: ID!, $text: String!) {\n    sendText(sessionId: $sessionId, text: $text) { utteranceId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientInterrupt($sessionId: ID!, $playedMs: Float, $responseId: String) {\n    interrupt(sessionId: $sessionId, playedMs: $playedMs, responseId: $responseId) { interrupted }\n  }\n"): (typeof documents)["\n  mutation ClientInterrupt($sessionId: ID!, $playedMs: Float, $responseId: String) {\n    interrupt(sessionId: $sessionId, playedMs: $playedMs, responseId: $responseId) { interrupted }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation ClientEndSession($id: ID!) {\n    endSession(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClientSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n"): (typeof documents)["\n  subscription ClientSessionEvents($sessionId: ID!, $afterSeq: Int) {\n    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {\n      __typename\n      ... on SessionEventFields { seq sessionId at }\n      ... on TranscriptFinal { utteranceId text confidence }\n      ... on TranscriptPartial { utteranceId text }\n      ... on ResponseStarted { responseId inReplyTo: utteranceId }\n      ... on ResponseTextDelta { responseId delta }\n      ... on SpeechChunk {\n        responseId chunkSeq audio sampleRate encoding startMs durationMs text\n        visemes { viseme startMs endMs weight }\n        gestures { gesture startMs durationMs intensity wordIndex }\n      }\n      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }\n      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }\n      ... on ResponseDone { responseId text emotion actions moderated }\n      ... on Interrupted { responseId heardText playedMs }\n      ... on SessionError { code message retryable }\n      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }\n      ... on AvatarAction { responseId action }\n      ... on ConversationModeChanged { mode provider reason }\n      ... on PersonaChanged { personaId name }\n      ... on SessionEnded { reason }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;