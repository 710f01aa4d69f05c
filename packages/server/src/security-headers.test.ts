import { describe, expect, it } from 'vitest';
import { useTestServer, type TestServer } from './test-support/server.js';

/** The headers a browser sees on the UI and on the API documentation, for one public URL. */
async function headersFor(server: TestServer, url: string): Promise<Record<string, unknown>> {
  const res = await server.app.inject({ method: 'GET', url });
  return res.headers;
}

describe('security headers over plain http (the UI opened as http://deploy-vm:8080)', () => {
  const server = useTestServer({ publicUrl: 'http://deploy-vm:8080' });

  it('does not tell the browser to fetch scripts and styles over https, nor send HSTS', async () => {
    for (const url of ['/', '/api/v1/health', '/api/docs/static/index.html']) {
      const headers = await headersFor(server, url);
      expect(String(headers['content-security-policy']), url).toContain("script-src 'self'");
      expect(String(headers['content-security-policy']), url).not.toContain('upgrade-insecure-requests');
      expect(headers['strict-transport-security'], url).toBeUndefined();
      expect(headers['cross-origin-opener-policy'], url).toBeUndefined();
    }
  });
});

describe('security headers when the public URL is https', () => {
  const server = useTestServer({ publicUrl: 'https://deploy.example.com' });

  it('upgrades insecure requests and sends HSTS', async () => {
    for (const url of ['/', '/api/v1/health', '/api/docs/static/index.html']) {
      const headers = await headersFor(server, url);
      expect(String(headers['content-security-policy']), url).toContain('upgrade-insecure-requests');
      expect(String(headers['strict-transport-security']), url).toMatch(/max-age=\d+/);
    }
  });
});
