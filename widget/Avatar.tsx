import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionUser } from '../contract/session.ts';

// The author's picture when the host sent one (launch claim `picture`, https
// only, from an origin the page's CSP names exactly), else their initials.
// No referrer goes with it; a picture that does not load becomes initials.

/** Up to two letters, the first of the first two words of the name; "?" without a name. */
export const initialsOf = (name: string | null): string =>
  (name ?? '')
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => [...word][0] ?? '')
    .join('')
    .toUpperCase() || '?';

export function Avatar({ user }: { user: SessionUser }) {
  const [failed, setFailed] = useState(false);
  const img = useRef<HTMLImageElement>(null);
  // A server-rendered picture may have failed before hydration attached onError.
  useEffect(() => {
    if (img.current?.complete && img.current.naturalWidth === 0) setFailed(true);
  }, [user.picture]);
  if (user.picture && !failed) {
    return <img ref={img} class="avatar" src={user.picture} alt="" width={18} height={18} referrerpolicy="no-referrer" onError={() => setFailed(true)} />;
  }
  return (
    <span class="avatar" aria-hidden="true">
      {initialsOf(user.name)}
    </span>
  );
}
