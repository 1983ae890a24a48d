import { graphql } from './gql';

// The operations client apps use, typed by codegen (`npm run codegen`); integration tests call the API only
// through these.

export const MeQuery = graphql(`
  query Me {
    me { id username role }
  }
`);

export const CreatePersonaMutation = graphql(`
  mutation CreatePersona($input: PersonaCreateInput!) {
    createPersona(input: $input) {
      id name systemPrompt voice avatarRig visemeMap gestureLibrary defaultEmotion capabilities
    }
  }
`);

export const UpdatePersonaMutation = graphql(`
  mutation UpdatePersona($id: ID!, $input: PersonaUpdateInput!) {
    updatePersona(id: $id, input: $input) { id name voice greeting }
  }
`);

export const PersonasQuery = graphql(`
  query Personas($first: Int, $after: String, $search: String) {
    personas(first: $first, after: $after, search: $search) {
      edges { cursor node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateSessionMutation = graphql(`
  mutation CreateSession($input: CreateSessionInput!) {
    createSession(input: $input) {
      session { id status capabilities traceId rig persona { id name avatarRig } }
      sessionToken
      sessionTokenExpiresAt
      audioUrl
      graphqlUrl
    }
  }
`);

export const EndSessionMutation = graphql(`
  mutation EndSession($id: ID!) {
    endSession(id: $id) { id status endedAt endReason }
  }
`);

export const SendTextMutation = graphql(`
  mutation SendText($sessionId: ID!, $text: String!) {
    sendText(sessionId: $sessionId, text: $text) { accepted utteranceId }
  }
`);

export const InterruptMutation = graphql(`
  mutation Interrupt($sessionId: ID!) {
    interrupt(sessionId: $sessionId) { interrupted }
  }
`);

export const SessionQuery = graphql(`
  query Session($id: ID!) {
    session(id: $id) {
      id status startedAt endedAt endReason
      user { id username }
      turns(first: 100) { edges { node { id role text interrupted utteranceId contractKept alignment } } }
      events(first: 500) { edges { node { seq type payload } } }
    }
  }
`);

export const SessionsQuery = graphql(`
  query Sessions($first: Int, $after: String, $filter: SessionFilter) {
    sessions(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id status user { username } persona { name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const SessionEventsSubscription = graphql(`
  subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {
    sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
      __typename
      ... on SessionEventFields { seq sessionId at }
      ... on TranscriptFinal { utteranceId text confidence alternatives { text confidence } words { word startMs endMs confidence } }
      ... on TranscriptPartial { utteranceId text }
      ... on ResponseStarted { responseId inReplyTo: utteranceId }
      ... on ResponseTextDelta { responseId delta }
      ... on SpeechChunk {
        responseId chunkSeq audio sampleRate encoding startMs durationMs text
        phonemes { phoneme startMs endMs }
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

export const MemoriesQuery = graphql(`
  query Memories($first: Int, $userId: ID, $search: String) {
    memories(first: $first, userId: $userId, search: $search) {
      edges { node { id text kind importance sourceSession { id } } }
    }
  }
`);

export const CreateModerationPolicyMutation = graphql(`
  mutation CreateModerationPolicy($input: ModerationPolicyInput!) {
    createModerationPolicy(input: $input) { id name blockTerms action }
  }
`);

export const ModerationFlagsQuery = graphql(`
  query ModerationFlags($status: FlagStatus) {
    moderationFlags(first: 50, status: $status) {
      edges { node { id text replacement category status turnId } }
    }
  }
`);

export const ReviewModerationFlagsMutation = graphql(`
  mutation ReviewModerationFlags($ids: [ID!]!, $decision: ReviewDecision!) {
    reviewModerationFlags(ids: $ids, decision: $decision) { id status }
  }
`);

export const RequestDataExportMutation = graphql(`
  mutation RequestDataExport($userId: ID) {
    requestDataExport(userId: $userId) { id status }
  }
`);

export const RequestDataDeletionMutation = graphql(`
  mutation RequestDataDeletion($userId: ID) {
    requestDataDeletion(userId: $userId) { id status }
  }
`);

export const PrivacyRequestQuery = graphql(`
  query PrivacyRequest($id: ID!) {
    privacyRequest(id: $id) { id kind status result error download { url expiresAt } }
  }
`);

export const PlatformActivityQuery = graphql(`
  query PlatformActivity {
    platformActivity { liveSessions turnsPerMinute firstAudioP95Ms answersInWindow windowMinutes }
  }
`);

export const SendImageMutation = graphql(`
  mutation SendImage($sessionId: ID!, $image: File!) {
    sendImage(sessionId: $sessionId, image: $image) { accepted mimeType bytes }
  }
`);

export const SetPersonaMutation = graphql(`
  mutation SetPersona($sessionId: ID!, $personaId: ID!) {
    setPersona(sessionId: $sessionId, personaId: $personaId) { accepted persona { id name } }
  }
`);

export const ArchivePersonaMutation = graphql(`
  mutation ArchivePersona($id: ID!) {
    archivePersona(id: $id) { id archivedAt }
  }
`);
