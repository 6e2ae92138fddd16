// Request/response plumbing shared by the handlers: bounded JSON bodies and
// Status-shaped errors, as kube-apiserver writes them. The handlers see a
// request whose body is already read and an answer they write, not node:http's
// objects: those live on the HTTP thread (http-thread.ts), which reads
// bodies with readBody and writes what the main thread answers.

import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/types.js';
import { ApiError, apiErrors } from '../errors.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

/** One request as the handlers see it: read whole, on whichever thread parsed it. */
export interface ApiRequest {
  readonly method: string;
  readonly url: string;
  /** the Content-Type header, '' when absent */
  readonly contentType: string;
  /** the Accept header when it asks for another representation (`as=Table`), else '' */
  readonly accept: string;
  readonly body: string;
}

/** What sendJson, sendText and sendError write to (node:http's ServerResponse is one). */
export interface AnswerSink {
  readonly headersSent: boolean;
  writeHead(code: number, headers: Record<string, string | number>): unknown;
  end(body?: string): unknown;
  destroy(): unknown;
}

/** The answer to an ApiRequest: whole (sendJson) or streamed (a watch). */
export interface ApiResponse extends AnswerSink {
  readonly statusCode: number;
  /** sends the head now, before any chunk (a watch's 200 reaches the client at once) */
  flushHeaders(): void;
  write(chunk: string): void;
  /** the client went away, or the answer was cut off */
  onClose(listener: () => void): void;
}

/** kube-apiserver's limit for a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * The request body as text. Listens for 'data'/'end' rather than iterating
 * the stream with for-await: the async iterator costs a few promises and an
 * end-of-stream watcher per request, ~2,000 times in a 2,000-object apply.
 * Past MAX_BODY_BYTES the promise rejects with 413 and the rest of the body
 * is read and dropped, so that the client (still sending) gets the answer
 * instead of a reset; the thread answers with `Connection: close`. A request
 * that closes before its end rejects.
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
        req.resume();
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

export function readJson(req: ApiRequest): unknown {
  const text = req.body;
  if (text.trim() === '') return undefined;
  if (exceedsJsonDepth(text)) {
    throw apiErrors.badRequest(`the body of the request could not be decoded as JSON: exceeded max depth (podnet reads at most ${MAX_JSON_DEPTH} nested arrays and objects)`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw apiErrors.badRequest(`the body of the request could not be decoded as JSON: ${(e as Error).message}`);
  }
}

/** Writes an already-serialized JSON body. */
export function sendJson(res: AnswerSink, code: number, json: string, extraHeaders?: Record<string, string>): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), ...extraHeaders });
  res.end(json);
}

export function sendText(res: AnswerSink, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return apiErrors.internal(e instanceof Error ? e.message : String(e));
}

export function sendError(res: AnswerSink, e: unknown): void {
  const err = toApiError(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.httpCode, JSON.stringify(err.status), err.warnings?.length ? { Warning: warningHeader(err.warnings) } : undefined);
}

/**
 * RFC 7234 §5.5 warn-values with code 299 (miscellaneous persistent
 * warning) and agent "-", as kube-apiserver writes them; one header, values
 * separated by commas. Only printable ASCII goes out: any other character
 * is written as the text `\uXXXX`. (kube-apiserver sends UTF-8 bytes; node
 * refuses header characters above U+00FF and writes the others as UTF-8
 * when the head shares a write with a text body, so raw bytes would arrive
 * mangled or fail the answer. A look-alike letter in a typo is plainer
 * escaped anyway.)
 */
export function warningHeader(warnings: readonly string[]): string {
  return warnings.map((w) => {
    const ascii = w.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return `299 - "${ascii.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }).join(', ');
}

/** A request body that must be one JSON object (a write's). */
export function readObject(req: ApiRequest): KubeObject {
  const body = readJson(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiErrors.badRequest('the request body must be a JSON object');
  return body as KubeObject;
}

/**
 * `?dryRun=All` (repeatable, as upstream): the request is checked and
 * answered as if it were carried out, and nothing is stored or allocated.
 * "All" is the only value (ValidateDryRun).
 */
export function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  return values.length > 0 && dryRunValues(values);
}

export function dryRunValues(values: string[]): boolean {
  for (const v of values) {
    if (v !== 'All') throw apiErrors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`);
  }
  return values.length > 0;
}
