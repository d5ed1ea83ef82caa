import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api.ts';
import { ApiError } from './api.ts';

interface Me {
  user: { id: string; name: string | null };
  context: string;
  expiresAt: string;
}

export function App({ api }: { api: ApiClient }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .request<Me>('GET', '/api/me')
      .then(setMe)
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : 'Something went wrong.'));
  }, [api]);

  if (error) return <p class="status error" role="alert">{error}</p>;
  if (!me) return <p class="status" aria-busy="true">Loading…</p>;
  return (
    <header class="who">
      Signed in as <strong data-testid="user-name">{me.user.name ?? 'Anonymous'}</strong>
      <span class="ctx"> · {me.context}</span>
    </header>
  );
}
