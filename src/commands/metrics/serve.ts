import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {Flags} from '@oclif/core';
import {XlatCommand} from '../../cli/base-command.js';
import {InputError, describeSystemError} from '../../errors.js';

/** "ADDR:PORT", "[v6]:PORT" or ":PORT" (every address). */
function parseListen(text: string): {host: string | undefined; port: number} {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) > 65535) throw new InputError(`'${text}' is not a valid --listen: expected ADDRESS:PORT, [IPV6]:PORT or :PORT`);
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return {host, port: Number(m[3])};
}

export default class MetricsServe extends XlatCommand<typeof MetricsServe> {
  static override summary = "Serve every instance's counters over HTTP for Prometheus (/metrics).";

  static override description = `Listens on --listen and answers GET /metrics with the Prometheus text exposition format: one counter family per xlat counter (HELP and TYPE lines; see 'stats display --explain'), labelled with namespace and translator, for the SIIT and NAT64 instances of the current namespace and of every named namespace (/run/netns), read from the kernel at each scrape. It keeps no state of its own: restart it at will. Runs until SIGINT or SIGTERM.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --listen 127.0.0.1:9469',
    {description: 'Then:', command: 'curl -s http://127.0.0.1:9469/metrics'},
  ];

  static override flags = {
    listen: Flags.string({summary: 'Where to listen: ADDRESS:PORT, [IPV6]:PORT or :PORT.', helpValue: 'ADDR:PORT', default: '127.0.0.1:9469'}),
  };

  public async run(): Promise<{listen: string; scrapes: number}> {
    const {host, port} = parseListen(this.flags.listen);
    await this.enterKernel();
    const [{scrapeAll}, {renderPrometheus}] = await Promise.all([import('../../instance/scrape.js'), import('../../model/prometheus.js')]);
    let scrapes = 0;
    // One scrape at a time: a scrape visits namespaces on the main thread.
    let queue: Promise<unknown> = Promise.resolve();
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, {Allow: 'GET, HEAD'}).end();
        return;
      }
      if (url.pathname !== '/metrics') {
        res
          .writeHead(url.pathname === '/' ? 200 : 404, {'Content-Type': 'text/plain; charset=utf-8'})
          .end(url.pathname === '/' ? 'xlat: see /metrics\n' : 'not found: see /metrics\n');
        return;
      }
      queue = queue.then(async () => {
        try {
          const body = renderPrometheus(await scrapeAll());
          scrapes++;
          res.writeHead(200, {'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'}).end(req.method === 'HEAD' ? undefined : body);
        } catch (err) {
          res.writeHead(500, {'Content-Type': 'text/plain; charset=utf-8'}).end(`scrape failed: ${(err as Error).message}\n`);
        }
      });
    };
    const server = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new InputError(`cannot listen on ${this.flags.listen}: ${err.code === 'EADDRINUSE' ? 'the address is in use' : describeSystemError(err)}`)),
      );
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    const where = typeof addr === 'object' && addr ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : this.flags.listen;
    process.stderr.write(`Serving Prometheus metrics on http://${where}/metrics\n`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    this.log(`Stopped after ${scrapes} scrape${scrapes === 1 ? '' : 's'}.`);
    return {listen: where, scrapes};
  }
}
