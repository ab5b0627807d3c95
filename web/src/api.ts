// Thin client for the Siyu API: same-origin, session cookie, errors turned into readable messages. Answers are typed
// from the OpenAPI document the server's own Zod schemas produce (api/openapi.gen.ts, `npm run gen:api`): the path
// written in a call, literal or template, is matched against the API's paths, so `api('GET', `/v1/segments/${key}`)`
// answers the segment's schema without any type written here.
import type { components, paths } from './api/openapi.gen.ts';

export type Schemas = components['schemas'];
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** '/v1/segments/{key}' -> `/v1/segments/${string}` */
type Pattern<P extends string> = P extends `${infer A}{${string}}${infer B}` ? `${A}${string}${Pattern<B>}` : P;
type WithoutQuery<U extends string> = U extends `${infer Base}?${string}` ? Base : U;
type HasMethod<P extends keyof paths, M extends Method> = Lowercase<M> extends keyof paths[P] ? (paths[P][Lowercase<M>] extends undefined ? never : P) : never;
/** The API path a URL calls: itself when it is one, else the templated paths it fits. */
type PathOf<U extends string, M extends Method> = WithoutQuery<U> extends keyof paths
  ? HasMethod<WithoutQuery<U>, M>
  : { [P in keyof paths & string]: WithoutQuery<U> extends Pattern<P> ? HasMethod<P, M> : never }[keyof paths & string];
type Operation<P, M extends Method> = P extends keyof paths ? (Lowercase<M> extends keyof paths[P] ? paths[P][Lowercase<M>] : never) : never;
/**
 * The answer of a route that declares no response schema yet. Every route is meant to declare one (test/routes.test.ts
 * lists those that do not); until then its answer is untyped here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Undeclared = any;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : Undeclared;
type Success<O> = O extends { responses: infer R } ? (R extends { 200: infer A } ? JsonOf<A> : R extends { 201: infer B } ? JsonOf<B> : Undeclared) : Undeclared;
/** What a call answers, from the route's response schema. */
export type ResponseOf<M extends Method, U extends string> = [PathOf<U, M>] extends [never] ? Undeclared : Success<Operation<PathOf<U, M>, M>>;

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly problems: { field: string; message: string }[] = []) {
    super(message);
  }
}

export async function api<M extends Method, U extends string>(method: M, path: U, body?: unknown): Promise<ResponseOf<M, U>> {
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined && !isForm ? { 'content-type': 'application/json' } : {},
    body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? safeJson(text) : null;
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/v1/auth/login')) window.dispatchEvent(new Event('siyu:logged-out'));
    throw new ApiError(res.status, data?.error?.message ?? `${res.status} ${res.statusText}`, data?.error?.problems ?? []);
  }
  return data as ResponseOf<M, U>;
}

function safeJson(text: string): { error?: { message?: string; problems?: { field: string; message: string }[] } } | null {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text } };
  }
}

export const yuan = (fen: number | null | undefined) => (fen == null ? '—' : `¥${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
export const dateTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
