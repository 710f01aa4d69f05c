import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * `upgrade-insecure-requests` and HSTS only when people reach the server over https: opened as
 * `http://deploy-vm:8080` they would make the browser fetch the UI's scripts over https, and fail.
 * Browsers exempt only localhost and 127.0.0.1 from that, which is why it showed nowhere else.
 */
function servedOverHttps(publicUrl: string): boolean {
  return new URL(publicUrl).protocol === 'https:';
}

export function helmetOptions(publicUrl: string): FastifyHelmetOptions {
  const https = servedOverHttps(publicUrl);
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    strictTransportSecurity: https,
    // Browsers ignore it on an http origin other than localhost, with an error in the console.
    crossOriginOpenerPolicy: https,
  };
}

/** The API documentation sets a CSP of its own, with `upgrade-insecure-requests` in it. */
export function apiDocsCsp(publicUrl: string): (csp: string) => string {
  if (servedOverHttps(publicUrl)) return (csp) => csp;
  return (csp) => csp.replace(/\s*upgrade-insecure-requests;?/, '');
}
