/**
 * HTTP transport of the registry on node:http: reads and checks the request (size, content type, JSON),
 * hands it to the routes, writes the answer as application/vnd.schemaregistry.v1+json. Failures that are
 * not the client's become 500 answers in Confluent's error shape and an error log line.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../../engine/log.ts';
import { REGISTRY_ERROR_CODES, RegistryError } from './errors.ts';
import {
  errorResponse,
  notFoundResponse,
  routeRegistryRequest,
  type RegistryAccess,
  type RegistryResponse,
} from './routes.ts';

/** The content type of every answer (Confluent's preferred one). */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Request content types accepted for bodies (a missing content type is taken as JSON too). */
export const ACCEPTED_CONTENT_TYPES: readonly string[] = [
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/json',
  'application/octet-stream',
];

/** Largest request body read. @default 16 MiB */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface RegistryHttpOptions {
  readonly access: RegistryAccess;
  readonly logger: Logger;
  /** @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
}

export function createRegistryRequestListener(options: RegistryHttpOptions): RequestListener {
  const { access, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const events = {
    registered: (event: { subject: string; id: number; version: number; changed: boolean }) => {
      if (event.changed) logger.info('schema registered', event);
    },
  };
  return (request, response) => {
    const startedMs = Date.now();
    answer(request, access, maxBodyBytes, events)
      .catch((error: unknown): RegistryResponse => {
        if (error instanceof RegistryError) {
          return { status: error.httpStatus, json: JSON.stringify(error.toBody()) };
        }
        logger.error('schema registry request failed', { method: request.method, url: request.url, error });
        return errorResponse(
          500,
          `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .then((result) => {
        send(response, result);
        logger.debug('request', {
          method: request.method,
          url: request.url,
          status: result.status,
          durationMs: Date.now() - startedMs,
        });
      })
      .catch((error: unknown) => {
        logger.warn('could not answer a schema registry request', { error });
        response.destroy();
      });
  };
}

async function answer(
  request: IncomingMessage,
  access: RegistryAccess,
  maxBodyBytes: number,
  events: Parameters<typeof routeRegistryRequest>[2],
): Promise<RegistryResponse> {
  const url = new URL(request.url ?? '/', 'http://registry.invalid');
  const segments = pathSegments(url.pathname);
  if (segments === undefined) return notFoundResponse();
  const declaredBytes = Number(request.headers['content-length'] ?? 0);
  if (declaredBytes > maxBodyBytes) {
    request.resume(); // discard; the answer closes the connection
    return errorResponse(
      REGISTRY_ERROR_CODES.PAYLOAD_TOO_LARGE,
      `Request body larger than ${maxBodyBytes} bytes`,
    );
  }
  const raw = await readBody(request, maxBodyBytes);
  let body: unknown;
  if (raw.length > 0) {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (mediaType !== '' && !ACCEPTED_CONTENT_TYPES.includes(mediaType)) {
      return errorResponse(REGISTRY_ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, 'HTTP 415 Unsupported Media Type');
    }
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return errorResponse(
        REGISTRY_ERROR_CODES.BAD_REQUEST,
        `Malformed JSON body: ${(error as Error).message}`,
      );
    }
  }
  return routeRegistryRequest(
    access,
    { method: request.method ?? 'GET', segments, query: url.searchParams, body },
    events,
  );
}

/** Decoded path segments; a trailing slash is ignored; undefined when the percent-encoding is broken. */
function pathSegments(pathname: string): string[] | undefined {
  const parts = pathname.split('/').slice(1);
  if (parts.at(-1) === '') parts.pop();
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    sizeBytes += buffer.length;
    if (sizeBytes > maxBodyBytes) {
      throw new RegistryError(
        REGISTRY_ERROR_CODES.PAYLOAD_TOO_LARGE,
        `Request body larger than ${maxBodyBytes} bytes`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, result: RegistryResponse): void {
  const payload = Buffer.from(result.json, 'utf8');
  response.writeHead(result.status, {
    'content-type': REGISTRY_CONTENT_TYPE,
    'content-length': payload.length,
    ...(result.status === 413 ? { connection: 'close' } : {}),
  });
  response.end(payload);
}
