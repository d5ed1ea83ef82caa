import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, SessionInfo } from './api.ts';
import type { NotesPage } from '../contract/notes.ts';
import { NotesThread } from './NotesThread.tsx';

export interface AppProps {
  api: ApiClient;
  session: SessionInfo;
  /** Server-rendered first page of notes (launch bootstrap); absent: fetched on mount. */
  initial?: NotesPage | null;
  renderedAt?: number;
}

/** Rendered by the server (first paint) and hydrated in the browser: same props, same markup. */
export function App({ api, session: launched, initial, renderedAt }: AppProps) {
  const [session, setSession] = useState(launched);
  const [expired, setExpired] = useState(false);
  const [recovery, setRecovery] = useState<'idle' | 'trying' | 'failed'>('idle');
  const [signedOut, setSignedOut] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(
    () =>
      api.subscribe((status, next) => {
        setExpired(status === 'expired');
        if (next) {
          setSession(next);
          setRecovery('idle');
          setGeneration((g) => g + 1);
        }
      }),
    [api],
  );

  async function recover() {
    setRecovery('trying');
    const revived = await api.recover();
    setRecovery(revived ? 'idle' : 'failed');
    if (revived) setSignedOut(false);
  }

  function signOut() {
    setSignedOut(true);
    void api.logout();
  }

  return (
    <main class="widget">
      <header class="who">
        Signed in as <strong data-testid="user-name">{session.user.name ?? 'Anonymous'}</strong>
        <span class="ctx"> · {session.context}</span>
        {!expired && (
          <button class="link" data-testid="sign-out" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      {expired && (
        <div class="notice expired" role="alert" data-testid="session-expired">
          <span>
            {signedOut ? 'You signed out of the notes.' : 'Your session has expired.'}
            {recovery === 'failed' ? ' Reconnecting failed; reload the page.' : ''}
          </span>
          <button class="primary" data-testid="session-recover" disabled={recovery === 'trying'} onClick={() => void recover()}>
            {recovery === 'trying' ? 'Reconnecting…' : signedOut ? 'Sign in again' : 'Reconnect'}
          </button>
        </div>
      )}
      <NotesThread api={api} user={session.user} initial={initial} renderedAt={renderedAt} generation={generation} readOnly={expired} />
    </main>
  );
}
