import { useAuth0 } from '@envelop/auth0';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { decodeJwt } from 'jose';
import { type Logger, logUserId } from '../logger';
import type { AppServices } from '../services';
import { type OidcClaims, viewerFromOidc, viewerFromToken } from '../services/sign-in';
import { bearerToken } from '../services/tokens';
import type { GraphQLContext } from './context';
import { maskError } from './errors';
import { useIntrospectionPolicy, useSafeText, useTypedRequestErrors } from './guards';
import { schema } from './schema';
import { useSharedSubscriptionResults } from './shared-subscription-results';

/** What the transports hand yoga: an HTTP request, or a graphql-ws connection's params. */
export interface ServerContext {
  request?: Request;
  connectionParams?: Record<string, unknown>;
}

const OIDC_FIELD = 'oidcClaims';

function tokenFrom(ctx: ServerContext): string | undefined {
  const params = ctx.connectionParams;
  const fromParams = params?.authorization ?? params?.Authorization ?? params?.token;
  if (typeof fromParams === 'string') return bearerToken(fromParams) ?? fromParams;
  return bearerToken(ctx.request?.headers.get('authorization'));
}

/**
 * Resolves the viewer after the OIDC plugin ran: an external identity if it verified one, else our own JWT.
 * HTTP and graphql-ws both build their context through here, so auth is identical on both.
 */
function useViewer(services: AppServices, logger: Logger): Plugin<GraphQLContext & ServerContext> {
  const logUser = logUserId(services.config.logAnonymize);
  return {
    async onContextBuilding({ context, extendContext }) {
      const claims = (context as unknown as Record<string, OidcClaims | undefined>)[OIDC_FIELD];
      const viewer = claims
        ? await viewerFromOidc(claims, services)
        : await viewerFromToken(tokenFrom(context), services.tokens);
      extendContext({
        viewer,
        services,
        logger: viewer ? logger.child({ userId: logUser(viewer.userId) }) : logger,
      });
    },
  };
}

export function createGraphQLServer(
  services: AppServices,
  logger: Logger,
  /** Plugins of the transports (HTTP routes) that must see requests before GraphQL does. */
  transportPlugins: Plugin[] = [],
  /** Told the code of every error a client gets for its own input (BAD_INPUT, RATE_LIMITED...), for metrics. */
  onClientError: (code: string) => void = () => undefined,
): YogaServerInstance<ServerContext, GraphQLContext> {
  const { config } = services;
  const oidc = config.auth.oidc;
  const plugins: Plugin[] = [
    ...transportPlugins,
    EnvelopArmorPlugin({
      maxDepth: { n: 12 },
      maxAliases: { n: 20 },
      maxDirectives: { n: 20 },
      maxTokens: { n: 4000 },
      costLimit: { maxCost: 20000 },
    }),
  ];
  if (oidc) {
    const { issuer } = oidc;
    plugins.push(
      useAuth0({
        domain: oidc.domain,
        audience: oidc.audience,
        jwksClientOptions: oidc.jwksUri ? { jwksUri: oidc.jwksUri } : undefined,
        jwtVerifyOptions: { issuer },
        extendContextField: OIDC_FIELD,
        preventUnauthenticatedAccess: false,
        // Only tokens from the configured issuer go to JWKS verification; our own JWTs are checked by useViewer.
        extractTokenFn: (ctx) => {
          const token = tokenFrom(ctx as ServerContext);
          if (!token) return '';
          try {
            return decodeJwt(token).iss === issuer ? token : '';
          } catch {
            return '';
          }
        },
      }) as Plugin,
    );
  }
  plugins.push(
    useViewer(services, logger) as Plugin,
    useSafeText(),
    useIntrospectionPolicy(config.introspection),
    useTypedRequestErrors(),
    // Session events resolve from the event alone (see the plugin): one execution serves every viewer.
    useSharedSubscriptionResults(new Set(['sessionEvents'])),
  );

  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Our own /health reports each component; yoga's would always say ok.
    healthCheckEndpoint: '/_yoga/live',
    graphiql: config.env !== 'production' ? { subscriptionsProtocol: 'WS' } : false,
    cors: {
      origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
      credentials: config.corsOrigins !== '*',
      methods: ['GET', 'POST', 'OPTIONS'],
    },
    // The context is filled by useViewer; yoga only needs the transport fields here.
    context: () => ({}) as GraphQLContext,
    maskedErrors: {
      maskError: (error, message) => {
        const masked = maskError(error, message);
        if (masked.extensions.code === 'INTERNAL') logger.error({ err: error }, 'unexpected GraphQL error');
        // The client's mistake: worth a line, not a stack.
        else {
          logger.warn({ code: masked.extensions.code, path: masked.path }, masked.message);
          onClientError(String(masked.extensions.code));
        }
        return masked;
      },
    },
    logging: {
      debug: (...args) => logger.debug(args),
      info: (...args) => logger.info(args),
      warn: (...args) => logger.warn(args),
      error: (...args) => logger.error(args),
    },
    plugins,
  });
}
