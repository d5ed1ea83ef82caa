import type { Context } from 'koa';
import { WidgetError } from '../errors.ts';

export const JSON_BODY_LIMIT = 32 * 1024;
export const FORM_BODY_LIMIT = 16 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readRaw(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('Content-Length'));
  if (declared > limit) throw new WidgetError('payload_too_large', `The request body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        ctx.req.unpipe?.();
        throw new WidgetError('payload_too_large', `The request body is larger than ${limit} bytes.`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    // The client hung up (or timed out) mid-body: its mistake, not a server fault to log as one.
    if (err instanceof WidgetError || !ctx.req.destroyed) throw err;
    throw new WidgetError('validation_failed', 'The request body ended before its declared length.');
  }
  try {
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new WidgetError('validation_failed', 'The request body is not valid UTF-8.');
  }
}

export async function readJsonObject(ctx: Context, limit = JSON_BODY_LIMIT): Promise<Record<string, unknown>> {
  if (!ctx.is('application/json')) {
    throw new WidgetError('validation_failed', 'Send the request body as JSON with "Content-Type: application/json".');
  }
  const text = await readRaw(ctx, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WidgetError('validation_failed', 'The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new WidgetError('validation_failed', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

export async function readForm(ctx: Context, limit = FORM_BODY_LIMIT): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new WidgetError('validation_failed', 'Send the launch as an HTML form post (application/x-www-form-urlencoded) with a "jwt" field.');
  }
  return new URLSearchParams(await readRaw(ctx, limit));
}
