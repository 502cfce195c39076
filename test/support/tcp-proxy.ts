/**
 * A loopback TCP proxy for fault injection: it can refuse connections (the service is down), cut the
 * open ones, and delay every chunk it forwards from the server (a slow sink).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;
  /** Delay added to every chunk the server sends back. */
  responseDelayMs = 0;
  #trap: { pattern: RegExp; remaining: number; fired: () => void } | undefined;

  constructor(target: URL | { host: string; port: number }) {
    if (target instanceof URL) {
      this.#targetHost = target.hostname;
      this.#targetPort = Number(target.port);
    } else {
      this.#targetHost = target.host;
      this.#targetPort = target.port;
    }
  }

  get port(): number {
    return this.#port;
  }

  /** Listens (again) on the same port as before, or a free one the first time. */
  async up(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((client) => {
      const upstream = connect(this.#targetPort, this.#targetHost);
      this.#sockets.add(client);
      this.#sockets.add(upstream);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.on('data', (chunk: Buffer) => {
        const trap = this.#trap;
        if (trap !== undefined && trap.pattern.test(chunk.toString('latin1', 0, 4096))) {
          trap.remaining -= 1;
          if (trap.remaining === 0) {
            this.#trap = undefined;
            void this.down().then(trap.fired);
            return;
          }
        }
        upstream.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.on('data', (chunk: Buffer) => {
        if (this.responseDelayMs === 0) {
          client.write(chunk);
          return;
        }
        upstream.pause();
        setTimeout(() => {
          client.write(chunk);
          upstream.resume();
        }, this.responseDelayMs);
      });
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        resolve();
      });
    });
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.#port = address.port;
    this.#server = server;
  }

  /**
   * Goes down when the `count`-th chunk matching `pattern` (tested on its first 4 KiB, e.g. an HTTP
   * request line) arrives from a client, before forwarding it: an outage that starts at a known request
   * rather than at a moment the test guesses. Resolves once down.
   */
  downAt(pattern: RegExp, count: number): Promise<void> {
    return new Promise((resolve) => {
      this.#trap = { pattern, remaining: count, fired: resolve };
    });
  }

  /** Stops listening and cuts every open connection: the service looks down. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }
}
