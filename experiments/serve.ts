/**
 * `npm run serve [-- --port N]`: rome-gym's envs behind the JSON-lines protocol (docs/protocol.md).
 *
 * One request a line on stdin, one reply a line on stdout, until stdin ends. With `--port N` the
 * server also listens on 127.0.0.1:N (localhost only; `--port 0` picks a free port), each connection
 * a session of its own, and it then runs until interrupted. The chosen port is printed on stderr as
 * `serve: listening on 127.0.0.1:PORT`. Diagnostics go to stderr; stdout carries replies only.
 *
 * Nothing a client sends is executed on the host: requests are data, command lines are parsed into
 * the sandbox's actions.
 */
import { createServer, type Socket } from 'node:net';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LineSplitter, ProtocolSession } from './protocol.js';
import { cliDefaults, runCli, UsageError } from './cli.js';
import '../scenarios/loader.js';

interface Out {
  /** false: the reader is behind (stop reading requests until 'drain'). */
  write(s: string): boolean;
  once(event: 'drain', f: () => void): unknown;
}

/**
 * Feeds a byte stream through a session: each line gets one reply, in order. A client that sends
 * requests without reading the replies is throttled (requests are not read while replies wait), so
 * it cannot grow the server's memory without bound.
 */
function serveStream(input: NodeJS.ReadableStream, out: Out, done: () => void): void {
  const session = new ProtocolSession();
  const splitter = new LineSplitter();
  const answer = (items: ReturnType<LineSplitter['push']>) => {
    let flowing = true;
    for (const it of items) flowing = out.write(`${'line' in it ? session.handle(it.line) : session.tooLong(it.tooLong)}\n`) && flowing;
    if (!flowing) {
      input.pause();
      out.once('drain', () => input.resume());
    }
  };
  input.on('data', (chunk: Buffer) => answer(splitter.push(chunk)));
  input.on('end', () => {
    answer(splitter.end());
    session.close();
    done();
  });
  input.on('error', () => {
    session.close();
    done();
  });
}

async function main(): Promise<number> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run serve --')
    .usage('$0 [--port N]\n\nServes rome-gym envs over JSON lines on stdin/stdout (docs/protocol.md).')
    .option('port', { type: 'number', describe: 'also listen on 127.0.0.1:PORT (0 = any free port)' })
    .example('$0', 'serve on stdin/stdout (what the Python package does)')
    .example('$0 --port 5757', 'also serve TCP clients on localhost:5757');
  const argv = await cliDefaults(cli).parseAsync();
  if (argv._.length > 0) throw new UsageError(`unexpected argument '${String(argv._[0])}'`);
  const port = argv.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be an integer in [0, 65535], got ${port}`);

  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // The client went away: nothing left to answer.
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });

  if (port === undefined) {
    await new Promise<void>((resolve) => serveStream(process.stdin, process.stdout, resolve));
    return 0;
  }

  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    serveStream(socket, socket, () => socket.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new UsageError(`--port ${port}: address 127.0.0.1:${port} is in use`) : e));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  process.stderr.write(`serve: listening on 127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}\n`);
  // stdin is served as well, when it is a pipe; a terminal's stdin is left alone.
  if (!process.stdin.isTTY) serveStream(process.stdin, process.stdout, () => undefined);
  await new Promise<void>((resolve) => {
    // Open connections do not hold the exit: runCli exits once main returns.
    const stop = () => {
      server.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

runCli('serve', main);
