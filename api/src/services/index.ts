import type { VisemeService } from '../adapters/visemes/types';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { PlatformTracing } from '../observability/tracing';
import type { BackgroundWork } from './background';
import type { ConversationService } from './conversations';
import type { EventBus } from './event-bus';
import type { MemoryService } from './memory';
import type { ModerationService } from './moderation';
import type { SessionEventPublisher } from './session-events';
import type { SessionService } from './sessions';
import type { TokenService } from './tokens';

/** Everything resolvers and transports may use, built once in app.ts. */
export interface AppServices {
  config: Config;
  db: Database;
  bus: EventBus;
  tokens: TokenService;
  events: SessionEventPublisher;
  sessions: SessionService;
  conversations: ConversationService;
  /** Resolves persona rigs for clients (the viseme map travels as session metadata). */
  visemes: VisemeService;
  memories: MemoryService;
  moderation: ModerationService;
  /** Null when background workflows are off (WORKFLOWS=off). */
  workflows: BackgroundWork | null;
  /** Undefined when tracing is off (no OTEL_EXPORTER_OTLP_ENDPOINT). */
  tracing?: PlatformTracing;
}
