import {
  type CreateParams,
  type CreateResult,
  type DataProvider,
  type DeleteManyParams,
  type DeleteManyResult,
  type DeleteParams,
  type DeleteResult,
  type GetListParams,
  type GetListResult,
  type GetManyParams,
  type GetManyReferenceParams,
  type GetManyReferenceResult,
  type GetManyResult,
  type GetOneParams,
  type GetOneResult,
  HttpError,
  type UpdateManyParams,
  type UpdateManyResult,
  type UpdateParams,
  type UpdateResult,
} from 'react-admin';
import { ApiError } from './errors';

type Method<P, R> = (params: P) => Promise<R>;

/** The methods one resource supports; the composed provider refuses the rest with a clear error. */
export interface ResourceProvider {
  getList?: Method<GetListParams, GetListResult>;
  getOne?: Method<GetOneParams, GetOneResult>;
  getMany?: Method<GetManyParams, GetManyResult>;
  getManyReference?: Method<GetManyReferenceParams, GetManyReferenceResult>;
  create?: Method<CreateParams, CreateResult>;
  update?: Method<UpdateParams, UpdateResult>;
  updateMany?: Method<UpdateManyParams, UpdateManyResult>;
  delete?: Method<DeleteParams, DeleteResult>;
  deleteMany?: Method<DeleteManyParams, DeleteManyResult>;
}

/**
 * Turns API errors into what react-admin acts on: 401 makes the auth provider send the admin to sign-in,
 * and `body.errors` puts a BAD_INPUT message next to its form field.
 */
export function toHttpError(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  const errors = err.field ? { [err.field]: err.message } : undefined;
  return new HttpError(err.message, err.status, { code: err.code, ...(errors ? { errors } : {}) });
}

/** One data provider composed from small per-resource providers (react-admin `examples/demo` style). */
export function composeDataProvider(resources: Record<string, ResourceProvider>): DataProvider {
  const call =
    (method: keyof ResourceProvider) =>
    async (resource: string, params: unknown): Promise<never> => {
      const provider = resources[resource]?.[method] as ((p: unknown) => Promise<never>) | undefined;
      if (!provider) throw new HttpError(`${resource}: ${String(method)} is not supported by the API`, 501);
      try {
        return await provider(params);
      } catch (err) {
        throw toHttpError(err);
      }
    };
  return {
    getList: call('getList'),
    getOne: call('getOne'),
    getMany: call('getMany'),
    getManyReference: call('getManyReference'),
    create: call('create'),
    update: call('update'),
    updateMany: call('updateMany'),
    delete: call('delete'),
    deleteMany: call('deleteMany'),
  } as DataProvider;
}

export interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** Every node of a connection, following `endCursor` page by page (the API caps a page at 100). */
export async function allPages<T>(
  fetch: (after: string | undefined) => Promise<Connection<T>>,
  limit = 10_000,
) {
  const nodes: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await fetch(after);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor || nodes.length >= limit) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/**
 * Relay connections page by cursor, react-admin by page number: walk the cursors up to the requested page and
 * keep its rows. Admin lists are short, and this keeps the API free of offset pagination.
 */
export async function pageOf<T>(
  pagination: { page: number; perPage: number } | undefined,
  fetch: (first: number, after: string | undefined) => Promise<Connection<T>>,
) {
  const page = pagination?.page ?? 1;
  const perPage = Math.min(pagination?.perPage ?? 25, 100);
  let after: string | undefined;
  for (let current = 1; ; current++) {
    const result = await fetch(perPage, after);
    const endCursor = result.pageInfo.endCursor ?? undefined;
    if (current === page || !result.pageInfo.hasNextPage || !endCursor) {
      const data = current === page ? result.edges.map((e) => e.node) : [];
      const { hasNextPage } = result.pageInfo;
      return {
        data,
        // On the last page the total is known, so react-admin can show "1-3 of 3".
        ...(hasNextPage ? {} : { total: (current - 1) * perPage + data.length }),
        pageInfo: { hasNextPage, hasPreviousPage: page > 1 },
      };
    }
    after = endCursor;
  }
}

/** Omits empty strings so optional API inputs stay unset instead of failing validation. */
export function withoutBlanks<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== '' && v !== undefined),
  ) as Partial<T>;
}
