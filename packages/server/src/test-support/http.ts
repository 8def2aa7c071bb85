/** HTTP helpers for the server's tests: JSON requests, and multipart bodies written by hand so a test can stop halfway. */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export const BOUNDARY = 'hypertx-test-boundary-7e3c';

/** One multipart file part (headers and bytes, not the closing boundary). */
export function filePart(field: string, fileName: string, bytes: Uint8Array, type = 'image/png'): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), bytes, Buffer.from('\r\n')]);
}

export function textPart(field: string, value: string): Buffer {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n${value}\r\n`);
}

export const closingBoundary = (): Buffer => Buffer.from(`--${BOUNDARY}--\r\n`);

/**
 * A POST whose body the test writes piece by piece (chunked, no Content-Length), as a slow or
 * streaming client does; `abort()` drops the connection mid-upload.
 */
export function streamingPost(url: string, headers: Record<string, string> = {}): {
  request: ClientRequest;
  write(chunk: Buffer): Promise<void>;
  end(chunk?: Buffer): void;
  abort(): void;
  response: Promise<Reply>;
} {
  const request = httpRequest(url, { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers } });
  const response = new Promise<Reply>((resolve, reject) => {
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    request.on('error', reject);
  });
  // A response may come before the body is finished (a limit was hit): writing on is then moot.
  response.catch(() => undefined);
  request.flushHeaders();
  return {
    request,
    write: (chunk) => new Promise((resolve, reject) => request.write(chunk, (err) => (err ? reject(err) : resolve()))),
    end: (chunk) => request.end(chunk),
    abort: () => request.destroy(),
    response,
  };
}
