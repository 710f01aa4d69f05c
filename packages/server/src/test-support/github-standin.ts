import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A commit status as GitHub's REST API records it (the fields Polytene sends, plus who and when). */
export interface ReceivedStatus {
  repository: string;
  sha: string;
  state: string;
  context: string;
  target_url: string;
  description: string;
  token: string;
}

const STATES = new Set(['pending', 'success', 'failure', 'error']);
const STATUS_PATH = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/;
const TAG_REF_PATH = /^\/repos\/([^/]+)\/([^/]+)\/git\/ref\/tags\/(.+)$/;

/**
 * A stand-in for GitHub's REST API, "Create a commit status" (POST /repos/{owner}/{repo}/statuses/{sha}) and
 * "Get a reference" for tags (GET /repos/{owner}/{repo}/git/ref/tags/{tag}), answering as GitHub documents:
 * 201 with the status, 200 with the ref or 404 `Not Found`, 401 `Bad credentials` for an unknown token, 422
 * `Validation Failed` for a state GitHub does not know. `failWith` makes it answer an error status.
 */
export class GithubStandin {
  readonly statuses: ReceivedStatus[] = [];
  readonly tokens = new Set<string>();
  /** The tags that exist, as `owner/name:tag`. */
  readonly tags = new Set<string>();
  /** The tag lookups asked, as `owner/name:tag`. */
  readonly tagLookups: string[] = [];
  /** While set, every call is answered with this HTTP status (GitHub down, or refusing). */
  failWith: number | null = null;
  private server: Server | null = null;
  private nextId = 1;

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the GitHub stand-in is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const docs = 'https://docs.github.com/rest/commits/statuses#create-a-commit-status';
    if (this.failWith !== null) return send(this.failWith, { message: 'Server Error' });
    const token = (req.headers.authorization ?? '').replace(/^(Bearer|token) /, '');
    const tagRef = TAG_REF_PATH.exec(req.url ?? '');
    if (req.method === 'GET' && tagRef) return this.tagRef(tagRef, token, send);
    const match = STATUS_PATH.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return send(404, { message: 'Not Found', documentation_url: docs });
    if (!this.tokens.has(token)) return send(401, { message: 'Bad credentials', documentation_url: docs });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
    if (!STATES.has(body.state ?? '')) {
      return send(422, { message: 'Validation Failed', documentation_url: docs });
    }
    const status: ReceivedStatus = {
      repository: `${match[1]}/${match[2]}`,
      sha: match[3]!,
      state: body.state!,
      context: body.context ?? 'default',
      target_url: body.target_url ?? '',
      description: body.description ?? '',
      token,
    };
    this.statuses.push(status);
    const now = new Date().toISOString();
    const id = this.nextId++;
    send(201, {
      url: `${this.url}/repos/${status.repository}/statuses/${status.sha}`,
      id,
      node_id: `SC_${id}`,
      state: status.state,
      description: status.description,
      target_url: status.target_url,
      context: status.context,
      created_at: now,
      updated_at: now,
      creator: { login: 'octocat', id: 1, type: 'User' },
    });
  }

  private tagRef(match: RegExpExecArray, token: string, send: (status: number, body: unknown) => void): void {
    const docs = 'https://docs.github.com/rest/git/refs#get-a-reference';
    if (!this.tokens.has(token)) return send(401, { message: 'Bad credentials', documentation_url: docs });
    const repository = `${match[1]}/${match[2]}`;
    const tag = match[3]!.split('/').map(decodeURIComponent).join('/');
    this.tagLookups.push(`${repository}:${tag}`);
    if (!this.tags.has(`${repository}:${tag}`)) {
      return send(404, { message: 'Not Found', documentation_url: docs });
    }
    send(200, {
      ref: `refs/tags/${tag}`,
      node_id: 'REF_kwDOAB',
      url: `${this.url}/repos/${repository}/git/refs/tags/${tag}`,
      object: { type: 'commit', sha: '0'.repeat(40), url: `${this.url}/repos/${repository}/git/commits/x` },
    });
  }
}
