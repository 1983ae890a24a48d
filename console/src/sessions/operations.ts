import { graphql } from '../gql';

export const SessionSummaryFragment = graphql(`
  fragment SessionSummary on Session {
    id
    status
    capabilities
    traceId
    createdAt
    startedAt
    endedAt
    endReason
    user { id username displayName }
    persona { id name avatarRig }
  }
`);

export const SessionsQuery = graphql(`
  query ConsoleSessions($first: Int!, $after: String, $filter: SessionFilter) {
    sessions(first: $first, after: $after, filter: $filter) {
      edges { node { ...SessionSummary } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const SessionQuery = graphql(`
  query ConsoleSession($id: ID!) {
    session(id: $id) { ...SessionSummary }
  }
`);

// The API caps pages at 100 and its query cost grows with `first`: turns and events are paged separately.
export const SessionTurnsQuery = graphql(`
  query ConsoleSessionTurns($id: ID!, $after: String) {
    session(id: $id) {
      id
      turns(first: 100, after: $after) {
        edges { node { id role text utteranceId interrupted emotion timings startedAt endedAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const SessionEventLogQuery = graphql(`
  query ConsoleSessionEventLog($id: ID!, $after: String) {
    session(id: $id) {
      id
      events(first: 100, after: $after) {
        edges { node { seq type payload createdAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const UsersQuery = graphql(`
  query ConsoleUsers($first: Int!, $after: String, $search: String) {
    users(first: $first, after: $after, search: $search) {
      edges { node { id username displayName role createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateSessionMutation = graphql(`
  mutation ConsoleCreateSession($input: CreateSessionInput!) {
    createSession(input: $input) { sessionToken session { id } }
  }
`);

export const SendTextMutation = graphql(`
  mutation ConsoleSendText($sessionId: ID!, $text: String!) {
    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }
  }
`);

export const EndSessionMutation = graphql(`
  mutation ConsoleEndSession($id: ID!) {
    endSession(id: $id) { id status }
  }
`);

export const SessionEventsSubscription = graphql(`
  subscription ConsoleSessionEvents($sessionId: ID!, $afterSeq: Int) {
    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
      __typename
      ... on SessionEventFields { seq at }
      ... on TranscriptPartial { utteranceId text }
      ... on TranscriptFinal { utteranceId text confidence }
      ... on ResponseStarted { responseId startedFor: utteranceId }
      ... on ResponseTextDelta { responseId delta }
      ... on SpeechChunk {
        responseId chunkSeq audio sampleRate startMs durationMs text
        phonemes { phoneme startMs endMs }
        visemes { viseme startMs endMs weight }
      }
      ... on BlendshapeFrames { responseId chunkSeq fps sampleRate frames { index sampleStart sampleEnd weights } }
      ... on GestureEvent { responseId gesture startMs durationMs intensity }
      ... on ResponseDone { responseId text emotion actions moderated }
      ... on Interrupted { responseId heardText playedMs }
      ... on SessionError { code message retryable }
      ... on SessionEnded { reason }
    }
  }
`);

export const NodesQuery = graphql(`
  query ConsoleNodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      ... on User { id username displayName role createdAt }
    }
  }
`);
