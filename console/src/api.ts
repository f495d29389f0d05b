/**
 * The console's API client: openapi-fetch typed by `schemas/openapi.d.ts` (generated from the
 * Worker's contract), so a contract change breaks `npm run typecheck` instead of a page. Calls go
 * to the same origin with the session cookie; every write carries the session's CSRF token.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../schemas/openapi";

export type Schemas = components["schemas"];
export type ErrorItem = Schemas["ErrorItem"];
export type Session = Schemas["ConsoleSession"];

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const csrfHeader: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !SAFE_METHODS.has(request.method)) request.headers.set("x-csrf-token", csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });
api.use(csrfHeader);

/** A failed call, with the items of the API's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly items: ErrorItem[],
  ) {
    super(items.map((item) => item.message).join("; ") || `HTTP ${status}`);
  }

  /** The message of the item whose path ends with `path` (e.g. a matrix cell's weight), if any. */
  messageAt(path: Array<string | number>): string | undefined {
    const wanted = path.join(".");
    return this.items.find((item) => `.${(item.path ?? []).join(".")}`.endsWith(`.${wanted}`))?.message;
  }
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; throws ApiError with the envelope's items otherwise. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const items = (error as { errors?: ErrorItem[] } | undefined)?.errors ?? [];
    if (response.status === 401) window.dispatchEvent(new Event("cactubase:signed-out"));
    throw new ApiError(response.status, items);
  }
  return data as T;
}
