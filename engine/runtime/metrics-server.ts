/** Serves a metrics registry at GET /metrics for Prometheus. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listen } from '../http/listen.ts';

export async function startMetricsServer(
  registry: Registry,
  port: number,
  host = '127.0.0.1',
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404).end('not found\n');
      return;
    }
    registry
      .metrics()
      .then((text) => {
        response.writeHead(200, { 'content-type': registry.contentType }).end(text);
      })
      .catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
  });
  await listen(server, host, port, 'the metrics endpoint');
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://${host}:${boundPort}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
