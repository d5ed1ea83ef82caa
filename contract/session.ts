// Wire shapes of the session API (docs/protocol.md sections 3 and 4).

/** `id` is our opaque user UUID, never the host's user id. */
export interface SessionUser {
  id: string;
  name: string | null;
}

/** POST /api/session: a session opened with a launch token. */
export interface OpenedSessionJson {
  token: string;
  expiresAt: string;
  user: SessionUser;
  context: string;
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
