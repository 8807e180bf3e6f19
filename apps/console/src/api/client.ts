import { clearToken, readToken } from './session';

/** An admin API error: always the gateway's `{ error: { message, type, param, code } }` shape. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

let onSignedOut: () => void = () => undefined;

/** The app registers how to go back to the sign-in screen when the token is refused. */
export function onUnauthorized(handler: () => void): void {
  onSignedOut = handler;
}

/** Calls /admin/v1 on the console's own origin with the session's admin token. */
export async function request(
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<Response> {
  const token = options.token ?? readToken();
  const headers: Record<string, string> = { authorization: `Bearer ${token ?? ''}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/admin/v1${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(`The admin API did not answer (${String(error)}).`, 0, 'network_error', null);
  }
  if (!response.ok) throw await toApiError(response, options.token === undefined);
  return response;
}

async function toApiError(response: Response, sessionCall: boolean): Promise<ApiError> {
  let detail: { message?: unknown; code?: unknown; param?: unknown } = {};
  try {
    detail = ((await response.json()) as { error?: typeof detail }).error ?? {};
  } catch {
    // not the error shape (a proxy's page): fall back to the status below
  }
  const error = new ApiError(
    typeof detail.message === 'string' ? detail.message : `HTTP ${response.status}`,
    response.status,
    typeof detail.code === 'string' ? detail.code : `http_${response.status}`,
    typeof detail.param === 'string' ? detail.param : null,
  );
  // The admin guard answers 401 without a token and 403 `forbidden` naming the admin token when it is wrong.
  const tokenRefused =
    response.status === 401 || (error.code === 'forbidden' && error.message.includes('admin token'));
  if (sessionCall && tokenRefused) {
    clearToken();
    onSignedOut();
  }
  return error;
}

export async function getJson<T>(path: string, query?: Query): Promise<T> {
  return (await request('GET', withQuery(path, query))).json() as Promise<T>;
}

export async function sendJson<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T> {
  return (await request(method, path, { body })).json() as Promise<T>;
}
