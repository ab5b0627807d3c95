// A load client in its own process, as a fleet of POS terminals or mini-program back ends would be: N concurrent
// keep-alive connections sending the requests it is given, answering with each request's status and latency. The
// server under test then has its process to itself instead of sharing an event loop with its callers.
import http from 'node:http';

export interface LoadRequest {
  method: string;
  path: string;
  body?: unknown;
}

interface Job {
  url: string;
  authorization: string;
  concurrency: number;
  requests: LoadRequest[];
}

async function run(job: Job) {
  const target = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const results: { status: number; ms: number; body: string }[] = new Array(job.requests.length);
  let next = 0;
  const one = (r: LoadRequest) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
    const req = http.request({
      host: target.hostname, port: target.port, path: r.path, method: r.method, agent,
      headers: { authorization: job.authorization, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
  const started = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    while (next < job.requests.length) {
      const i = next++;
      const s = performance.now();
      const r = await one(job.requests[i]);
      results[i] = { status: r.status, ms: performance.now() - s, body: r.body };
    }
  }));
  agent.destroy();
  const cpu = process.cpuUsage();
  return { ms: performance.now() - started, results, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}

// Reads the job from stdin, writes the results to stdout.
const chunks: Buffer[] = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const out = await run(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  process.stdout.write(JSON.stringify(out));
});
