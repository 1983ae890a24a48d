import type { WorkflowsClient } from '../../../workflows/src/client';
import type { VisemeService } from '../adapters/visemes/types';
import type { TokenService } from '../auth/tokens';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { MemoryService } from '../db/memory-repository';
import type { Session } from '../generated/prisma/client';
import type { EventBus } from '../graphql/pubsub';
import type { ModerationService } from '../moderation/moderation-service';
import type { SessionEventPublisher } from './session-events';
import type { SessionService } from './sessions';

/** What the live conversation path offers the API; implemented by the realtime hub. */
export interface Conversations {
  /** Feeds typed text into the same path as recognised speech; the answer arrives as session events. */
  sendText(session: Session, text: string): Promise<{ utteranceId: string }>;
  /** Stops the avatar mid-answer; false when it was not speaking. */
  interrupt(session: Session): Promise<boolean>;
  /** Releases the live state of an ended session. */
  close(sessionId: string): Promise<void>;
}

/** Everything resolvers and transports may use, built once in app.ts. */
export interface AppServices {
  config: Config;
  db: Database;
  bus: EventBus;
  tokens: TokenService;
  events: SessionEventPublisher;
  sessions: SessionService;
  conversations: Conversations;
  /** Resolves persona rigs for clients (the viseme map travels as session metadata). */
  visemes: VisemeService;
  memories: MemoryService;
  moderation: ModerationService;
  /** Null when background workflows are off (WORKFLOWS=off). */
  workflows: WorkflowsClient | null;
}
