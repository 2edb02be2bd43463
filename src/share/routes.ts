import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type { RawData, WebSocket } from 'ws';
import { AudioFrameError, decodeAudioFrame } from '../domain/audio-frame.ts';
import { AppError } from '../errors.ts';
import { timingSafeEqual } from 'node:crypto';
import { bearerToken, tokenDigest } from '../http/auth.ts';
import { setErrorRenderer } from '../http/error-handler.ts';
import type { ModuleContext } from '../http/module.ts';
import {
  AudioBody,
  AudioChunk,
  AudioQuery,
  AudioResponse,
  CLOSE_CODES,
  ListenerQuery,
  Metadata,
  MetadataBody,
  MetadataResponse,
  SessionIdParams,
  ShareError,
  StartBody,
  StartResponse,
  StatusResponse,
  StopResponse,
  type ListenerMessage,
} from './contract.ts';
import type { ShareRelay } from './relay.ts';
import { NOT_FOUND_MESSAGE, type ShareService } from './service.ts';

export interface ShareRouteSettings {
  /** The host secret (BEARER_TOKEN, or the generated one). */
  bearerToken: string;
  audioMaxBytes: number;
  metadataMaxBytes: number;
  hostWritesPerSecond: number;
  readsPerMinute: number;
  startsPerMinute: number;
}

export interface ShareRouteDeps {
  service: ShareService;
  relay: ShareRelay;
  settings: ShareRouteSettings;
}

const tags = ['share'];
type Security = Record<string, string[]>[];
const host = { tags, security: [{ shareToken: [] }] as Security };
const listener = { tags, security: [{ shareToken: [] }, { listenerToken: [] }] as Security };

/** Share errors: the seed's flat `{ error }` (with `success: false`, as its 409), plus our catalog code. */
const shareErrors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, ShareError]));

const JoinResponse = Type.Object(
  { listenerToken: Type.String(), shareUrl: Type.String() },
  { title: 'ShareJoinResponse' },
);

type SessionRequest = FastifyRequest<{ Params: SessionIdParams; Querystring: { token?: string } }>;

/** The token a request presents: `Authorization: Bearer <token>`, or `?token=` (WebSockets from a browser). */
function presentedToken(request: SessionRequest): string | undefined {
  return bearerToken(request) ?? request.query.token;
}

/** The listener page of a session, on the origin the request came to. */
function shareUrl(request: FastifyRequest, sessionId: string, listenerToken: string): string {
  return `${request.protocol}://${request.host}/share/${sessionId}?t=${encodeURIComponent(listenerToken)}`;
}

/**
 * The HTTP and WebSocket API of Share: seed 004's seven endpoints unchanged (paths, bodies, statuses, shapes), the
 * listener and host WebSockets, and `join` (a listener token for someone who has only the code). Host routes need the
 * share bearer token; listener routes take it or the session's listener token. Routes validate and delegate.
 */
export function shareRoutes(deps: ShareRouteDeps): FastifyPluginAsync<ModuleContext> {
  const { service, relay, settings } = deps;
  return async (fastify) => {
    setErrorRenderer(fastify, ({ code, message }) => ({ success: false, error: message, code }));
    await fastify.register(websocket, {
      options: { maxPayload: settings.audioMaxBytes, perMessageDeflate: false },
      // Sockets are ended by the relay's close (1001) in the module's preClose; the plugin then closes its server.
      preClose: (done) => {
        void relay.close().finally(() => done());
      },
    });
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    const hostDigest = tokenDigest(settings.bearerToken);
    const requireHost = async (request: SessionRequest): Promise<void> => {
      const token = presentedToken(request);
      if (!token) {
        throw new AppError('BACKBEAT_ERR_UNAUTHORIZED', 'This route needs Authorization: Bearer <BEARER_TOKEN>');
      }
      if (!timingSafeEqual(tokenDigest(token), hostDigest)) {
        throw new AppError('BACKBEAT_ERR_FORBIDDEN', 'The share bearer token is not valid');
      }
    };
    const requireListener = async (request: SessionRequest): Promise<void> => {
      const token = presentedToken(request);
      if (!token) {
        throw new AppError(
          'BACKBEAT_ERR_UNAUTHORIZED',
          'This route needs Authorization: Bearer <BEARER_TOKEN or listener token> (or ?token=)',
        );
      }
      // One hash of the presented token, compared with the host's and the session's (both digests kept).
      const digest = tokenDigest(token);
      if (timingSafeEqual(digest, hostDigest)) return;
      if (await service.isListenerDigest(request.params.sessionId, digest)) return;
      if (!(await service.session(request.params.sessionId))) {
        throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
      }
      throw new AppError('BACKBEAT_ERR_FORBIDDEN', 'The token does not open this session');
    };
    const perSession = (request: FastifyRequest) => `share:${(request.params as SessionIdParams).sessionId}`;
    const hostWrites = { max: settings.hostWritesPerSecond, timeWindow: 1000, keyGenerator: perSession };
    const reads = { max: settings.readsPerMinute, timeWindow: 60_000 };
    const starts = { max: settings.startsPerMinute, timeWindow: 60_000 };
    const pollerKey = (request: FastifyRequest) => `poll:${request.ip}`;

    app.post(
      '/api/share/start',
      {
        preHandler: requireHost,
        config: { rateLimit: starts },
        schema: {
          ...host,
          summary: `Start a session under a 6-digit code (seed 004; ${settings.startsPerMinute} tries a minute per client)`,
          body: StartBody,
          querystring: ListenerQuery,
          response: { 200: StartResponse, ...shareErrors(400, 401, 403, 409, 413, 415, 429, 503) },
        },
      },
      async (request) => {
        const { sessionId } = request.body;
        const started = await service.start(sessionId);
        return {
          success: true as const,
          sessionId,
          timestamp: started.timestamp,
          listenerToken: started.listenerToken,
          shareUrl: shareUrl(request, sessionId, started.listenerToken),
        };
      },
    );

    app.post(
      '/api/share/:sessionId/join',
      {
        config: { rateLimit: starts },
        schema: {
          tags,
          summary: `A listener token for an active session's code (no token needed; ${settings.startsPerMinute} a minute per client)`,
          params: SessionIdParams,
          response: { 200: JoinResponse, ...shareErrors(400, 404, 429) },
        },
      },
      async (request) => {
        const { sessionId } = request.params;
        const listenerToken = await service.join(sessionId);
        return { listenerToken, shareUrl: shareUrl(request, sessionId, listenerToken) };
      },
    );

    app.post(
      '/api/share/:sessionId/metadata',
      {
        preHandler: requireHost,
        bodyLimit: settings.metadataMaxBytes,
        config: { rateLimit: hostWrites },
        schema: {
          ...host,
          summary: 'Send a metadata update (merged; lives 30 s); pushed to WebSocket listeners',
          params: SessionIdParams,
          querystring: ListenerQuery,
          body: MetadataBody,
          response: { 200: MetadataResponse, ...shareErrors(400, 401, 403, 404, 413, 415, 429) },
        },
      },
      async (request) => {
        const listenersNotified = await service.putMetadata(request.params.sessionId, request.body);
        return { success: true as const, listenersNotified };
      },
    );

    app.post(
      '/api/share/:sessionId/audio',
      {
        preHandler: requireHost,
        bodyLimit: settings.audioMaxBytes,
        config: { rateLimit: hostWrites },
        schema: {
          ...host,
          summary: 'Send an audio chunk (buffered: the newest 50, 10 s after the last); pushed to WebSocket listeners',
          params: SessionIdParams,
          querystring: ListenerQuery,
          body: AudioBody,
          response: { 200: AudioResponse, ...shareErrors(400, 401, 403, 404, 413, 415, 429) },
        },
      },
      async (request) => {
        const body = request.body;
        const data = Buffer.from(body.data, 'base64');
        await service.putAudio(request.params.sessionId, {
          data,
          base64: body.data,
          sampleRate: body.sampleRate,
          channels: body.channels,
          timestamp: body.timestamp,
          sequenceNumber: body.sequenceNumber,
          codec: body.codec ?? 'pcm_f32',
        });
        return { success: true as const, buffered: true };
      },
    );

    app.post(
      '/api/share/:sessionId/stop',
      {
        preHandler: requireHost,
        schema: {
          ...host,
          summary: 'Stop a session (readable, inactive, for 5 minutes); listeners get `ended`',
          params: SessionIdParams,
          querystring: ListenerQuery,
          response: { 200: StopResponse, ...shareErrors(400, 401, 403, 404, 415) },
        },
      },
      async (request) => ({ success: true as const, ...(await service.stop(request.params.sessionId)) }),
    );

    app.get(
      '/api/share/:sessionId/status',
      {
        preHandler: requireListener,
        config: { rateLimit: reads },
        schema: {
          ...listener,
          summary: 'Session status: active, start time, listeners (push + recent pollers), now playing',
          params: SessionIdParams,
          querystring: ListenerQuery,
          response: { 200: StatusResponse, ...shareErrors(400, 401, 403, 404, 429) },
        },
      },
      async (request) => service.status(request.params.sessionId),
    );

    app.get(
      '/api/share/:sessionId/metadata',
      {
        preHandler: requireListener,
        config: { rateLimit: reads },
        schema: {
          ...listener,
          summary: 'The latest metadata (with the synced-lyrics position); 404 when none in the last 30 s',
          params: SessionIdParams,
          querystring: ListenerQuery,
          response: { 200: Metadata, ...shareErrors(400, 401, 403, 404, 429) },
        },
      },
      async (request) => {
        const { metadata } = await service.metadata(request.params.sessionId);
        relay.notePoller(request.params.sessionId, pollerKey(request));
        return metadata;
      },
    );

    app.get(
      '/api/share/:sessionId/audio',
      {
        preHandler: requireListener,
        config: { rateLimit: reads },
        schema: {
          ...listener,
          summary: 'Buffered chunks newer than `since`, ordered by sequence number; 204 when none',
          params: SessionIdParams,
          querystring: AudioQuery,
          response: {
            200: Type.Array(AudioChunk),
            204: { description: 'No chunk newer than `since` (empty body)', type: 'null' },
            ...shareErrors(400, 401, 403, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const { sessionId } = request.params;
        const since = (request.query as { since?: number }).since ?? -1;
        const chunks = await service.audioSince(sessionId, since);
        if (!chunks) throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
        relay.notePoller(sessionId, pollerKey(request));
        const raw = reply as FastifyReply;
        if (chunks.length === 0) return raw.status(204).send();
        // The chunks are stored as JSON already: the answer is their concatenation, not a parse and re-serialize.
        return raw
          .type('application/json; charset=utf-8')
          .serializer((payload) => payload as string)
          .send(`[${chunks.join(',')}]`);
      },
    );

    const upgradeRequired = (request: FastifyRequest, reply: FastifyReply) => {
      void request;
      void reply.header('upgrade', 'websocket');
      throw new AppError('BACKBEAT_ERR_UPGRADE_REQUIRED', 'This route is a WebSocket: connect with Upgrade: websocket');
    };
    const sessionExists = async (request: SessionRequest): Promise<void> => {
      const session = await service.session(request.params.sessionId);
      if (!session) throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
    };

    app.route({
      method: 'GET',
      url: '/api/share/:sessionId/listen',
      preHandler: [requireListener, sessionExists],
      config: { rateLimit: reads },
      schema: {
        ...listener,
        summary:
          'Listener WebSocket: `state` on join, then `metadata`/`listeners`/`ended` JSON text frames and binary audio frames',
        params: SessionIdParams,
        querystring: ListenerQuery,
        response: {
          101: { description: 'Switching to the WebSocket protocol', type: 'null' },
          ...shareErrors(400, 401, 403, 404, 426, 429),
        },
      },
      handler: upgradeRequired,
      wsHandler: (socket: WebSocket, request) => {
        void relay.addListener(request.params.sessionId, socket);
      },
    });

    app.route({
      method: 'GET',
      url: '/api/share/:sessionId/host',
      preHandler: [requireHost, sessionExists],
      schema: {
        ...host,
        summary: 'Host WebSocket: send binary audio frames and `{"type":"metadata",…}` text frames',
        params: SessionIdParams,
        querystring: ListenerQuery,
        response: {
          101: { description: 'Switching to the WebSocket protocol', type: 'null' },
          ...shareErrors(400, 401, 403, 404, 426),
        },
      },
      handler: upgradeRequired,
      wsHandler: (socket: WebSocket, request) => {
        hostSocket(request.params.sessionId, socket, deps);
      },
    });
  };
}

/**
 * A host WebSocket: binary frames are audio chunks, text frames metadata, applied in arrival order. Each error is
 * answered with an `error` message; a malformed frame or a session that ended closes the socket. The host may send
 * `hostWritesPerSecond` messages a second: extra ones are refused, and a host past twice that is disconnected.
 */
function hostSocket(sessionId: string, ws: WebSocket, deps: ShareRouteDeps): void {
  const { service, relay, settings } = deps;
  relay.addHost(sessionId, ws);
  let chain = Promise.resolve();
  let windowStart = Date.now();
  let inWindow = 0;
  const fail = (message: string, code: string) => {
    if (ws.readyState === ws.OPEN)
      ws.send(JSON.stringify({ type: 'error', error: message, code } satisfies ListenerMessage));
  };
  ws.on('error', () => undefined);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    inWindow++;
    if (inWindow > settings.hostWritesPerSecond) {
      if (inWindow > 2 * settings.hostWritesPerSecond) ws.close(CLOSE_CODES.rateLimited, 'too many messages');
      else
        fail(
          `More than ${settings.hostWritesPerSecond} messages a second: this one was dropped`,
          'BACKBEAT_ERR_RATE_LIMITED',
        );
      return;
    }
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    chain = chain.then(async () => {
      try {
        if (isBinary) {
          const frame = decodeAudioFrame(bytes);
          await service.putAudio(sessionId, frame);
        } else {
          await service.putMetadata(sessionId, parseHostMetadata(bytes.toString('utf8')));
        }
      } catch (err) {
        if (err instanceof AudioFrameError || err instanceof HostMessageError) {
          fail(err.message, 'BACKBEAT_ERR_VALIDATION');
          ws.close(CLOSE_CODES.badFrame, 'malformed frame');
        } else if (err instanceof AppError) {
          fail(err.message, err.code);
          if (err.code === 'BACKBEAT_ERR_NOT_FOUND') ws.close(CLOSE_CODES.notFound, 'session not found');
        } else {
          fail('The update could not be stored', 'BACKBEAT_ERR_INTERNAL');
        }
      }
    });
  });
}

class HostMessageError extends Error {}

/** A host's metadata text frame, checked against the POST body's schema. */
function parseHostMetadata(text: string): MetadataBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HostMessageError('A text frame must be JSON: {"type":"metadata", …}');
  }
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'metadata') {
    throw new HostMessageError('A text frame must be {"type":"metadata", …}');
  }
  const fields: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  delete fields.type;
  if (!Value.Check(MetadataBody, fields)) {
    const first = Value.Errors(MetadataBody, fields)[0];
    throw new HostMessageError(`metadata${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`);
  }
  return fields;
}
