/** TCP ports of the local stack: checking one is free before a server takes it, and picking a free one. */
import net from 'node:net';
import { StackError } from '../../lib/stack-error.ts';

export async function assertPortFree(host: string, port: number, what: string, envName: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new StackError(`${what} port ${host}:${port} is already in use by another process`,
          `stop that process, or choose another port with ${envName}=<port>`));
      } else reject(new StackError(`cannot listen on ${host}:${port} (${err.code ?? err.message})`));
    });
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** A free TCP port on host, chosen by the kernel. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
