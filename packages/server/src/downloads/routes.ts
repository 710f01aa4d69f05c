import { Type } from '@fastify/type-provider-typebox';
import type { App } from '../http/types.js';
import { notFound } from '../errors.js';
import { runnerBundle } from './runner-bundle.js';

export const RUNNER_DOWNLOAD_PATH = '/download/polytene-runner';

const notBuilt = () =>
  notFound('runner', 'this server has no runner to download: run `npm run build` where the server runs');

/**
 * The runner as one file, for deploy hosts: `GET /download/polytene-runner` (with its sha256 in
 * `X-Checksum-Sha256`) and `GET /download/polytene-runner.sha256` in `sha256sum -c` form. No login: the
 * runner holds no secret, and a deploy host has no session.
 */
export async function downloadRoutes(app: App): Promise<void> {
  app.get(
    RUNNER_DOWNLOAD_PATH,
    {
      schema: {
        tags: ['runners'],
        summary: 'The runner (polytene-runner), one JavaScript file for Node 20+',
      },
    },
    async (_request, reply) => {
      const bundle = await runnerBundle();
      if (!bundle) throw notBuilt();
      return reply
        .type('text/javascript; charset=utf-8')
        .header('content-disposition', 'attachment; filename="polytene-runner"')
        .header('x-checksum-sha256', bundle.sha256)
        .header('cache-control', 'no-cache')
        .send(bundle.bytes);
    },
  );
  app.get(
    `${RUNNER_DOWNLOAD_PATH}.sha256`,
    {
      schema: {
        tags: ['runners'],
        summary: "The runner's sha256, as `sha256sum` prints it",
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      const bundle = await runnerBundle();
      if (!bundle) throw notBuilt();
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(`${bundle.sha256}  polytene-runner\n`);
    },
  );
}
