import type { Db } from '../db/connect.ts';
import type { RouteSpec } from '../http/route.ts';

export function healthRoutes({ db }: { db: Db }): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      access: 'public',
      async handler(ctx) {
        try {
          await db.raw('select 1');
          ctx.body = { status: 'ok' };
        } catch {
          ctx.status = 503;
          ctx.body = { status: 'unavailable', reason: 'database' };
        }
      },
    },
  ];
}
