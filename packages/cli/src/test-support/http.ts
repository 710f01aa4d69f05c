import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server answering with `handle`, for the CLI's client tests. */
export async function localServer(
  handle: (req: IncomingMessage, res: ServerResponse, url: URL) => void,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => handle(req, res, new URL(req.url ?? '/', 'http://localhost')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const logLine = (n: number) => ({
  n,
  stream: 'stdout',
  t: '2026-01-01T00:00:00.000Z',
  text: `line ${n}`,
});

export const logEvent = (from: number, to: number) => {
  const lines = [];
  for (let n = from; n <= to; n++) lines.push(logLine(n));
  return `id: ${to}\nevent: log\ndata: ${JSON.stringify({ lines })}\n\n`;
};

export const statusEvent = (status: string) => `event: status\ndata: ${JSON.stringify({ status })}\n\n`;

export function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('retry: 2000\n\n');
}
