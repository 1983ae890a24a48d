import type { Logger } from '../logger';
import type { AppServices } from '../services';
import type { Viewer } from '../services/tokens';

/** Per-request (or per-subscription) context shared by HTTP and graphql-ws. */
export interface GraphQLContext {
  viewer: Viewer | null;
  services: AppServices;
  logger: Logger;
}
