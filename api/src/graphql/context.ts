import type { Logger } from '../logger';
import type { AppServices } from '../services';
import type { SubscriberBudget } from '../services/event-bus';
import type { Viewer } from '../services/tokens';

/** Per-request (or per-subscription) context shared by HTTP and graphql-ws. */
export interface GraphQLContext {
  viewer: Viewer | null;
  services: AppServices;
  logger: Logger;
  /** What the client connection's subscriptions may hold for it together (graphql-ws sets one per socket). */
  subscriberBudget?: SubscriberBudget;
  /** The operation's span as a W3C traceparent, when tracing is on: work it starts (a turn) continues it. */
  traceparent?: string;
}
