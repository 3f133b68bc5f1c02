import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { STUB_OUTCOME_EVERY_MS, type StubMessage } from './stub-infra.ts';

/**
 * A stand-in for the order service, run as a child process of `npm run bench -- --generator-only`
 * so its CPU is counted apart from the generator's. It answers every POST /orders at once with 200
 * and a fresh id, and reports the ids back to the parent over IPC in small batches, every
 * STUB_OUTCOME_EVERY_MS: the parent turns them into saga outcomes, as if the saga took a few ms.
 */
if (!process.send) throw new Error('stub-order-api must be started with fork() (it reports over IPC)');
const ipc = process.send.bind(process);
const send = (m: StubMessage) => ipc(m);

let batch: string[] = [];
const flush = setInterval(() => {
  if (batch.length === 0) return;
  send({ type: 'outcomes', ids: batch });
  batch = [];
}, STUB_OUTCOME_EVERY_MS);

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.method !== 'POST' || req.url !== '/orders') {
    res.writeHead(404).end();
    return;
  }
  // The body is read to its end, as a real server must, but not looked at.
  req.on('data', () => {});
  req.on('end', () => {
    const id = randomUUID();
    const body = `{"id":"${id}","status":"PENDING"}`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
    batch.push(id);
  });
});
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => send({ type: 'listening', port: (server.address() as { port: number }).port }));

const stop = () => {
  clearInterval(flush);
  server.close();
  server.closeAllConnections();
  if (process.connected) process.disconnect();
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
