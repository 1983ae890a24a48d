import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AppError } from '../errors';
import { errorBody, httpStatus } from './http-errors';

/**
 * Caps request bodies before the handler reads them: a declared Content-Length over the cap is answered 413 at
 * once; a chunked body is counted as it streams and cut off when it passes the cap.
 */
export function withBodyLimit(handler: RequestListener, maxBytes: number): RequestListener {
  const tooLarge = new AppError('TOO_LARGE', `Request bodies are limited to ${maxBytes} bytes`);
  const refuse = (req: IncomingMessage, res: ServerResponse) => {
    if (!res.headersSent) {
      const [status] = httpStatus(tooLarge);
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(errorBody(tooLarge));
    }
    // Stop reading the rest of an oversized body.
    req.resume();
    req.socket.destroySoon?.();
  };
  return (req, res) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return refuse(req, res);
    if (req.headers['transfer-encoding']) {
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          refuse(req, res);
          req.destroy();
        }
      });
    }
    handler(req, res);
  };
}
