import type { WidgetContext } from './state.ts';

/** What each answered request is reported to: declared here, where requests are seen; metrics/widgetMetrics.ts implements it. */
export interface RequestObserver {
  /** One answered request: its declared route (bounded), method, status and duration. */
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** A request to a launch route (POST /launch, GET /launch, POST /api/session): accepted, or refused with its protocol code. */
  countLaunch(code: string | undefined): void;
}

/**
 * The route label: the declared path (`/api/notes/:id`, never the id itself,
 * so the number of series stays bounded). A request that matched no declared
 * route was answered by the asset middleware when it succeeded, and otherwise
 * by nothing (404).
 */
function routeLabel(ctx: WidgetContext): string {
  if (ctx.state.route) return ctx.state.route.path;
  return ctx.status < 400 ? '(asset)' : '(unmatched)';
}

/** Counts and times every request for /metrics, and the outcome of every launch. */
export function reportRequest(metrics: RequestObserver, ctx: WidgetContext, startedMs: number): void {
  metrics.observeRequest({ method: ctx.method, route: routeLabel(ctx), status: ctx.status }, (performance.now() - startedMs) / 1000);
  if (ctx.state.route?.access === 'launch') metrics.countLaunch(ctx.state.errorCode);
}
