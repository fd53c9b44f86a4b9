// An HTTP exchange without a network: a request and response on an unconnected socket, for
// emitting 'request' on a server directly (e.g. a listener that throws synchronously).
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

export function fakeExchange(method: string, url: string, httpVersion?: string): { req: IncomingMessage; res: ServerResponse } {
  const socket = new Socket();
  const req = new IncomingMessage(socket);
  req.method = method;
  req.url = url;
  if (httpVersion) req.httpVersion = httpVersion;
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  return { req, res };
}
