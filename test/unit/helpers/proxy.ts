/**
 * A reverse proxy on 127.0.0.1 in front of test servers: HTTP goes to one, WebSocket upgrades to another
 * (a proxy that splits them, so a prompt's messages go to a server our socket is not on), and routes that
 * `missing` matches answer aiohttp's 404 (a ComfyUI older than the route).
 */
import * as http from 'node:http';
import * as net from 'node:net';

export interface Proxy {
  readonly url: string;
  close(): Promise<void>;
}

export async function startProxy(o: { http: string; ws?: string; missing?: RegExp }): Promise<Proxy> {
  const target = new URL(o.http);
  const wsTarget = new URL(o.ws ?? o.http);
  const open = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (o.missing?.test(new URL(path, 'http://proxy').pathname)) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404: Not Found');
      return;
    }
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s: net.Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const up = net.connect(Number(wsTarget.port), wsTarget.hostname, () => {
      const headers = Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => `${k}: ${x}`));
      up.write([`${req.method} ${req.url} HTTP/1.1`, ...headers, '', ''].join('\r\n'));
      if (head.length) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    open.add(up);
    up.on('close', () => {
      open.delete(up);
      socket.destroy();
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
    socket.on('close', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
