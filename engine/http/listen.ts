/** Starts an HTTP server listening, with a readable error naming what could not listen where. */
import type { Server } from 'node:http';
import { StadionError } from '../errors.ts';

export function listen(server: Server, host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const reason = error.code === 'EADDRINUSE' ? 'the port is in use' : error.message;
      reject(
        new StadionError('CONFIG_INVALID', `${what} cannot listen on ${host}:${port}: ${reason}`, {
          cause: error,
        }),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
