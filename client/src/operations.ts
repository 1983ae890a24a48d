/** Every GraphQL operation the client sends; `npm run codegen` types them into ./gql. */
import { graphql } from './gql';

export const PersonasQuery = graphql(`
  query ClientPersonas($first: Int) {
    personas(first: $first) { edges { node { id name description avatarRig } } }
  }
`);

export const CreateSessionMutation = graphql(`
  mutation ClientCreateSession($input: CreateSessionInput!) {
    createSession(input: $input) {
      session { id rig persona { id name } }
      sessionToken
      sessionTokenExpiresAt
      audioUrl
      graphqlUrl
    }
  }
`);

export const RefreshSessionTokenMutation = graphql(`
  mutation ClientRefreshSessionToken($sessionId: ID!) {
    refreshSessionToken(sessionId: $sessionId) { sessionToken sessionTokenExpiresAt audioUrl graphqlUrl }
  }
`);

export const SendTextMutation = graphql(`
  mutation ClientSendText($sessionId: ID!, $text: String!) {
    sendText(sessionId: $sessionId, text: $text) { utteranceId }
  }
`);

export const InterruptMutation = graphql(`
  mutation ClientInterrupt($sessionId: ID!, $playedMs: Float, $responseId: String) {
    interrupt(sessionId: $sessionId, playedMs: $playedMs, responseId: $responseId) { interrupted }
  }
`);

export const EndSessionMutation = graphql(`
  mutation ClientEndSession($id: ID!) {
    endSession(id: $id) { id status }
  }
`);

export const SessionEventsSubscription = graphql(`
  subscription ClientSessionEvents($sessionId: ID!, $afterSeq: Int) {
    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
      __typename
      ... on SessionEventFields { seq sessionId at }
      ... on TranscriptFinal { utteranceId text confidence }
      ... on TranscriptPartial { utteranceId text }
      ... on ResponseStarted { responseId inReplyTo: utteranceId }
      ... on ResponseTextDelta { responseId delta }
      ... on SpeechChunk {
        responseId chunkSeq audio sampleRate encoding startMs durationMs text
        visemes { viseme startMs endMs weight }
        gestures { gesture startMs durationMs intensity wordIndex }
      }
      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }
      ... on GestureEvent { responseId gesture startMs durationMs intensity wordIndex }
      ... on ResponseDone { responseId text emotion actions moderated }
      ... on Interrupted { responseId heardText playedMs }
      ... on SessionError { code message retryable }
      ... on ToolCall { responseId callId name status arguments result errorCode errorMessage }
      ... on AvatarAction { responseId action }
      ... on ConversationModeChanged { mode provider reason }
      ... on PersonaChanged { personaId name }
      ... on SessionEnded { reason }
    }
  }
`);
