import Koa from 'koa';
import { errorHandler } from '../http/errorHandler.ts';
import { methodRefusals, routerFor } from '../http/route.ts';
import type { WidgetState } from '../http/state.ts';
import type { Logger } from '../logger.ts';
import type { WidgetMetrics } from './widgetMetrics.ts';

/**
 * GET /metrics for Prometheus, on a port of its own (METRICS_PORT, on
 * 127.0.0.1 unless METRICS_HOST says otherwise): never reachable through the
 * public port, so it needs no token. Anything else is 404 not_found.
 */
export function createMetricsApp(metrics: WidgetMetrics, logger: Logger): Koa<WidgetState> {
  const app = new Koa<WidgetState>();
  app.silent = true;
  app.use(errorHandler(logger));
  const router = routerFor(
    [
      {
        method: 'GET',
        path: '/metrics',
        access: 'public',
        async handler(ctx) {
          ctx.type = metrics.registry.contentType;
          ctx.body = await metrics.registry.metrics();
        },
      },
    ],
    {},
  );
  app.use(router.routes());
  app.use(router.allowedMethods(methodRefusals));
  return app;
}
