// Request/response plumbing shared by the handlers: bounded JSON bodies and
// Status-shaped errors, as kube-apiserver writes them.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, apiErrors } from '../errors.js';

/** kube-apiserver's limit for a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'the request body is too large', reason: 'RequestEntityTooLarge', code: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw apiErrors.badRequest(`the body of the request could not be decoded as JSON: ${(e as Error).message}`);
  }
}

/** Writes an already-serialized JSON body. */
export function sendJson(res: ServerResponse, code: number, json: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return apiErrors.internal(e instanceof Error ? e.message : String(e));
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = toApiError(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.httpCode, JSON.stringify(err.status));
}
