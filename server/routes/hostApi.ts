import type { Clock } from '../clock.ts';
import type { Db } from '../db/connect.ts';
import { revokeHostUserSessions } from '../db/sessions.ts';
import type { RouteSpec } from '../http/route.ts';

// The host API (docs/protocol.md section 8): called by a host platform's
// backend, never by a browser, with a host API token signed by its launch key.
export function hostApiRoutes({ db, clock }: { db: Db; clock: Clock }): RouteSpec[] {
  return [
    {
      // The host's user signed out: end their widget sessions on every node at once.
      method: 'POST',
      path: '/api/host/sessions/revoke',
      access: 'host',
      async handler(ctx) {
        const { tenant, claims } = ctx.state.hostCaller;
        await revokeHostUserSessions(db, tenant.id, claims.sub, clock.now());
        // The same answer whether the user had sessions, had none, or was never seen:
        // a host learns nothing about who used the widget.
        ctx.status = 204;
      },
    },
  ];
}
