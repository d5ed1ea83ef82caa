import { useEffect, useState } from 'preact/hooks';
import { samePerson, type ApiClient, type SessionInfo } from './api.ts';
import { NotesThread } from './NotesThread.tsx';
import type { NotesPage } from '../contract/notes.ts';
import { Notice } from './Notice.tsx';
import { strings } from './strings.ts';

export interface AppProps {
  api: ApiClient;
  session: SessionInfo;
  /** Server-rendered first page of notes (launch bootstrap); absent: fetched on mount. */
  initial?: NotesPage | null;
  renderedAt?: number;
  /** BCP 47 locale for dates and times; absent: the browser's language. */
  locale?: string;
  /** What the host calls this thread ("Page: Onboarding"); the raw context id is never shown. */
  contextLabel?: string;
  /** No host SDK can launch again (LTI): an ended session says how to reopen instead of offering to reconnect. */
  noHostSdk?: boolean;
  /** Typed into the server-rendered composer before hydration (typedBeforeHydration.ts). */
  typedBeforeHydration?: string;
}

/**
 * Who is signed in, and where. Its own component because the server renders it
 * per launch beside a thread render it shares between viewers
 * (server/page/renderNotesApp.tsx). `onSignOut` absent: the session has ended.
 */
export function Header({ user, contextLabel, onSignOut, hydrated }: { user: SessionInfo['user']; contextLabel?: string; onSignOut?: () => void; hydrated: boolean }) {
  return (
    <header class="who">
      {strings.signedInAs(
        <strong dir="auto" data-testid="user-name">
          {user.name ?? strings.anonymous}
        </strong>,
      )}
      {contextLabel && (
        <span class="ctx" dir="auto">
          · {contextLabel}
        </span>
      )}
      {onSignOut && (
        <button class="link" data-testid="sign-out" disabled={!hydrated} onClick={onSignOut}>
          {strings.signOut}
        </button>
      )}
    </header>
  );
}

/** Why the session is gone: the server or host ended it, or the user signed out here. */
type Ended = 'expired' | 'signed-out' | null;

/** Rendered by the server (first paint) and hydrated in the browser: same props, same markup. */
export function App({ api, session: launched, initial, renderedAt, locale, contextLabel, noHostSdk, typedBeforeHydration }: AppProps) {
  const [session, setSession] = useState(launched);
  const [ended, setEnded] = useState<Ended>(null);
  const [recovery, setRecovery] = useState<'idle' | 'trying' | 'failed'>('idle');
  const [switched, setSwitched] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  useEffect(() => {
    let current = launched;
    return api.subscribe((status, next) => {
      if (status === 'expired') {
        setEnded((why) => why ?? 'expired');
        setSwitched(false);
      }
      if (next) {
        // A silent re-launch may bring someone else: say so once, beside the header that names them.
        if (!samePerson(next, current)) setSwitched(true);
        current = next;
        setSession(next);
        setEnded(null);
        setRecovery('idle');
        setGeneration((g) => g + 1);
      }
    });
  }, [api]);

  async function recover() {
    setRecovery('trying');
    // Success arrives through the subscription, which also clears the message.
    if (!(await api.recover())) setRecovery('failed');
  }

  function signOut() {
    setEnded('signed-out');
    void api.logout();
  }

  const name = session.user.name ?? strings.anonymous;
  const signedOut = ended === 'signed-out';

  return (
    <main class="widget">
      <Header user={session.user} contextLabel={contextLabel} onSignOut={ended ? undefined : signOut} hydrated={hydrated} />
      {ended && noHostSdk && !signedOut ? (
        <Notice testid="session-expired">{strings.reopenFromCourse}</Notice>
      ) : ended ? (
        <Notice
          testid="session-expired"
          info={signedOut && recovery !== 'failed'}
          action={recovery === 'trying' ? strings.reconnecting : signedOut ? strings.signInAgain : strings.reconnect}
          onAction={() => void recover()}
          actionTestid="session-recover"
          primary
          busy={recovery === 'trying'}
        >
          {recovery === 'failed' ? strings.recoverFailed : signedOut ? strings.signedOut : strings.sessionEnded}
        </Notice>
      ) : (
        switched && (
          <Notice testid="session-switched" info action={strings.dismiss} onAction={() => setSwitched(false)}>
            {strings.switched(name)}
          </Notice>
        )
      )}
      <NotesThread api={api} user={session.user} initial={initial} renderedAt={renderedAt} generation={generation} readOnly={!!ended} locale={locale} typedBeforeHydration={typedBeforeHydration} />
    </main>
  );
}
