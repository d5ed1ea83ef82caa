// Wire shapes of the session API (docs/protocol.md sections 3 and 4).

/** `id` is our opaque user UUID, never the host's user id. */
export interface SessionUser {
  id: string;
  name: string | null;
  /** The https picture the host sent with the user's latest launch; absent when none (the widget shows initials). */
  picture?: string;
}

/** POST /api/session: a session opened with a launch token. */
export interface OpenedSessionJson {
  token: string;
  expiresAt: string;
  user: SessionUser;
  context: string;
  /** The launch's `locale` claim, when sent. */
  locale?: string;
  /** The launch's `ctx_label` claim, when sent: what the header shows instead of the raw context. */
  contextLabel?: string;
}

/** POST /api/session/refresh. */
export interface RefreshedJson {
  token: string;
  expiresAt: string;
}

/** GET /api/me. */
export interface MeJson {
  user: SessionUser;
  context: string;
  expiresAt: string;
}
