import { Agent, request } from 'node:http';

/**
 * The bench's HTTP client: Node's http module on keep-alive connections. fetch (undici) added about 3 ms to
 * every request here, which would be measured as the service's time.
 */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly url: URL;

  constructor(baseUrl: string) {
    this.url = new URL(baseUrl);
  }

  async json<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const { status, text } = await this.send(method, path, body);
    return { status, body: JSON.parse(text) as T };
  }

  /** The body as text (GET /metrics); rejects unless 200. */
  async text(method: string, path: string): Promise<string> {
    const { status, text } = await this.send(method, path);
    if (status !== 200) throw new Error(`${method} ${path} answered ${status}`);
    return text;
  }

  private send(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    return new Promise((resolve, reject) => {
      const req = request({ host: this.url.hostname, port: this.url.port, path, method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
