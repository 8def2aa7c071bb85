/**
 * A counting TCP proxy in front of a test Redis: what a client sends and receives through it, as
 * numbers a test can assert on (commands sent, bytes received), independent of timing.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface RedisTraffic {
  /** Commands the clients sent (each a RESP array). */
  commands: number;
  /** Commands by name (upper case), e.g. `EVALSHA`, `HGETALL`. */
  byName: Map<string, number>;
  /** Bytes Redis sent back to the clients. */
  bytesDown: number;
}

export interface RedisProxy {
  url: string;
  traffic: RedisTraffic;
  close(): Promise<void>;
}

export async function startRedisProxy(targetPort: number): Promise<RedisProxy> {
  const traffic: RedisTraffic = { commands: 0, byName: new Map(), bytesDown: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const parser = new CommandCounter((name) => {
      traffic.commands++;
      traffic.byName.set(name, (traffic.byName.get(name) ?? 0) + 1);
    });
    client.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      traffic.bytesDown += chunk.byteLength;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    traffic,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Splits a client's byte stream into RESP commands (arrays of bulk strings) and names each one. */
class CommandCounter {
  #buffer = Buffer.alloc(0);
  constructor(private readonly onCommand: (name: string) => void) {}

  push(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const used = this.#parseOne();
      if (used === 0) return;
      this.#buffer = this.#buffer.subarray(used);
    }
  }

  /** Bytes of one complete command at the start of the buffer (0: not all there yet). */
  #parseOne(): number {
    const b = this.#buffer;
    const line = (from: number) => {
      const end = b.indexOf('\r\n', from);
      return end < 0 ? undefined : { text: b.toString('latin1', from, end), next: end + 2 };
    };
    const head = line(0);
    if (!head) return 0;
    if (!head.text.startsWith('*')) return head.next; // inline command (redis-cli style): not used by BullMQ
    const count = Number(head.text.slice(1));
    let at = head.next;
    let name = '';
    for (let i = 0; i < count; i++) {
      const size = line(at);
      if (!size) return 0;
      const length = Number(size.text.slice(1));
      if (b.length < size.next + length + 2) return 0;
      if (i === 0) name = b.toString('latin1', size.next, size.next + length).toUpperCase();
      at = size.next + length + 2;
    }
    this.onCommand(name);
    return at;
  }
}
