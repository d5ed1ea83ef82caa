// The only owner of the session token: kept in this closure, never written to
// localStorage, sessionStorage or a cookie, and sent as a Bearer header on
// every call.

export interface ApiErrorBody {
  code: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  expiresAt(): number;
}

export function createApiClient(initial: { token: string; expiresAt: string }, fetchImpl: typeof fetch = fetch.bind(globalThis)): ApiClient {
  let token = initial.token;
  let expiresAt = Date.parse(initial.expiresAt);

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    const data = (await response.json().catch(() => null)) as ({ error?: ApiErrorBody } & Record<string, unknown>) | null;
    if (!response.ok) {
      throw new ApiError(response.status, data?.error?.code ?? 'http_error', data?.error?.message ?? `The server answered ${response.status}.`);
    }
    if (data && typeof data.token === 'string' && typeof data.expiresAt === 'string') {
      token = data.token;
      expiresAt = Date.parse(data.expiresAt);
    }
    return data as T;
  }

  return { request, expiresAt: () => expiresAt };
}
