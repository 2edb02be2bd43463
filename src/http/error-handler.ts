import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../errors.ts';
import { isClientRoute } from './web.ts';

/** Maps Fastify's own error codes to our catalog so every error answer has one of our stable codes. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'BACKBEAT_ERR_BAD_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BACKBEAT_ERR_BAD_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BACKBEAT_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BACKBEAT_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BACKBEAT_ERR_VALIDATION',
  FST_ERR_VALIDATION: 'BACKBEAT_ERR_VALIDATION',
  FST_ERR_BAD_URL: 'BACKBEAT_ERR_VALIDATION',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/**
 * One wording for every validation failure: `<location>/<field> <problem>`, e.g. `querystring/limit must be <= 100`,
 * `body/maxTokens is required`, `querystring/foo is not allowed`.
 */
export function validationMessage(context: string, issue: ValidationIssue | undefined): string {
  if (!issue) return `${context} is invalid`;
  const path = (issue.instancePath ?? '').replace(/^\/+/, '');
  const at = path ? `${context}/${path}` : context;
  const params = issue.params ?? {};
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${at}/${params.missingProperty} is required`;
  }
  if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${at}/${params.additionalProperty} is not allowed`;
  }
  return `${at} ${issue.message ?? 'is invalid'}`;
}

function codeForStatus(status: number): ErrorCode {
  for (const [code, entry] of Object.entries(ERRORS) as [ErrorCode, { status: number }][]) {
    if (entry.status === status) return code;
  }
  return status >= 500 ? 'BACKBEAT_ERR_INTERNAL' : 'BACKBEAT_ERR_VALIDATION';
}

/** What an error answers: status, catalog code, the message a client may see, details for a 4xx. */
export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  details: Record<string, unknown> | undefined;
}

/** How a route family writes an error answer's body. The app's: `{ error: { code, message, details? } }`. */
export type ErrorRenderer = (answer: ErrorAnswer) => unknown;

const renderCatalogError: ErrorRenderer = ({ code, message, details }) => ({
  error: { code, message, ...(details ? { details } : {}) },
});

/**
 * Sets the error handler of `app` (an encapsulated plugin keeps its own): every error becomes a catalog code and a
 * status; 4xx messages are shown (they tell the client what to fix); 5xx messages are replaced by the catalog's
 * generic text and the real error is logged; `retryAfterSeconds` in the details becomes `Retry-After`. `render` writes
 * the body.
 */
export function setErrorRenderer(app: FastifyInstance, render: ErrorRenderer): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    // The static-file handler refuses paths it will not map to a file (non-canonical, or too long for its matcher):
    // for a client that is simply a route that does not exist.
    if (!(error instanceof AppError) && error.code === 'FST_STATIC_FORBIDDEN_PATH') return reply.callNotFound();
    let code: ErrorCode;
    let status: number;
    let message = error.message;
    if (error instanceof AppError) {
      code = error.code;
      status = error.statusCode;
    } else if (error.validation) {
      code = 'BACKBEAT_ERR_VALIDATION';
      status = 400;
      message = validationMessage(error.validationContext ?? 'request', error.validation[0]);
    } else if (error.code && FASTIFY_CODES[error.code]) {
      code = FASTIFY_CODES[error.code] as ErrorCode;
      status = ERRORS[code].status;
    } else {
      status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
      code = codeForStatus(status);
    }
    if (error instanceof AppError && code === 'BACKBEAT_ERR_UNAVAILABLE') {
      // A deliberate refusal (shutting down, at capacity): its message was written for the client.
      request.log.warn({ event: 'request_refused', status, reason: message }, 'request refused');
    } else if (status >= 500) {
      request.log.error({ err: error, event: 'request_failed' }, 'request failed');
      message = ERRORS[code].message;
    }
    const details = error instanceof AppError && status < 500 ? error.details : undefined;
    const retryAfter = details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    void reply.status(status).send(render({ status, code, message, details }));
  });
}

/**
 * One error handler for the whole app: every error becomes `{ error: { code, message } }` with a catalog code (see
 * {@link setErrorRenderer}), and routes that do not exist answer `BACKBEAT_ERR_ROUTE_NOT_FOUND` (or, for the web app's
 * own routes, its page).
 */
export function registerErrorHandling(app: FastifyInstance, options: { webApp?: boolean } = {}): void {
  setErrorRenderer(app, renderCatalogError);

  app.setNotFoundHandler((request, reply) => {
    // The web app's client-side routes (`/admin`, ...) load index.html; the app shows its own not-found page.
    if (options.webApp && 'sendFile' in reply && isClientRoute(request.method, request.url.split('?')[0]!)) {
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.status(404).send({
      error: {
        code: 'BACKBEAT_ERR_ROUTE_NOT_FOUND',
        message: `No route for ${request.method} ${request.url.split('?')[0]}`,
      },
    });
  });
}

/** The answer to a request the HTTP parser refused, by Node's error code; anything else is a 400. */
function parserError(code: string | undefined): { code: ErrorCode; message: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { code: 'BACKBEAT_ERR_TIMEOUT', message: 'The request was not received in time' };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { code: 'BACKBEAT_ERR_HEADERS_TOO_LARGE', message: 'The request line and headers are too large' };
  }
  return { code: 'BACKBEAT_ERR_VALIDATION', message: 'The request is not valid HTTP' };
}

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser refused (timeout, oversized head, malformed request)
 * never reaches a route, so the answer is written on the socket here, as the usual JSON error, and the connection
 * closed.
 */
export function clientErrorHandler(
  this: { log: Pick<FastifyInstance['log'], 'debug'> },
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, message } = parserError(error.code);
  const status = ERRORS[code].status;
  this.log.debug({ event: 'client_error', err: error, status }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Fastify's `frameworkErrors`: errors raised before routing (a URL whose percent-encoding does not decode), which the
 * error handler never sees, answered in the same shape.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply
      .status(400)
      .send({ error: { code: 'BACKBEAT_ERR_VALIDATION', message: 'The URL is not validly percent-encoded' } });
    return;
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  const code = codeForStatus(status);
  if (status >= 500) request.log.error({ err: error, event: 'request_failed' }, 'request failed');
  void reply.status(status).send({ error: { code, message: status >= 500 ? ERRORS[code].message : error.message } });
}
