// Request/response plumbing shared by the handlers: bounded JSON bodies and
// Status-shaped errors, as kube-apiserver writes them.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, apiErrors } from '../errors.js';

/** kube-apiserver's limit for a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * The request body as text. Listens for 'data'/'end' rather than iterating
 * the stream with for-await: the async iterator costs a few promises and an
 * end-of-stream watcher per request, ~2,000 times in a 2,000-object apply.
 * Past MAX_BODY_BYTES the request is destroyed and the promise rejects with
 * 413, as the iterator did; a request that closes before its end rejects.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        cleanup();
        req.destroy();
        reject(new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'the request body is too large', reason: 'RequestEntityTooLarge', code: 413 }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = (e: Error) => { cleanup(); reject(e); };
    // 'close' without 'end': the client went away mid-body
    const onClose = () => { cleanup(); reject(new Error('the request was closed before its body ended')); };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
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
