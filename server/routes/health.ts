import Router from '@koa/router';
import type { Db } from '../db/connect.ts';

export function healthRoutes({ db }: { db: Db }): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    try {
      await db.raw('select 1');
      ctx.body = { status: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database' };
    }
  });
  return router;
}
