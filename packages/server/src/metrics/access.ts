import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

/** What decides who may read `/metrics`: the settings metricsToken, metricsAllow and trustProxy. */
export interface MetricsAccessConfig {
  metricsToken?: string;
  metricsAllow: string;
  trustProxy: boolean;
}

export interface MetricsRequest {
  /** The client's address as Fastify tells it (the forwarded one when trustProxy is on). */
  ip: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Why a request may not read the metrics: the HTTP status and a sentence for the person. */
export interface Refusal {
  status: 401 | 403;
  message: string;
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/**
 * Parses a comma- or space-separated list of networks (`10.0.0.0/8, 2001:db8::/32`; a bare address is
 * one host) into a BlockList. Throws one message naming every entry that is not a network.
 */
export function parseNetworks(list: string): BlockList {
  const networks = new BlockList();
  const bad: string[] = [];
  for (const entry of list.split(/[\s,]+/).filter(Boolean)) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const bits = prefix === undefined ? max : Number(prefix);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && bits <= max);
    if (!family || extra !== undefined || !prefixOk) {
      bad.push(entry);
      continue;
    }
    networks.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  if (bad.length > 0) {
    throw new Error(`not a network (address/prefix, e.g. 10.0.0.0/8): ${bad.join(', ')}`);
  }
  return networks;
}

/**
 * Decides who reads `/metrics`. With a token set, only `Authorization: Bearer <token>` (compared in
 * constant time); without one, only loopback and the networks of metricsAllow. A request that came
 * through a proxy the server does not trust (a forwarding header while trustProxy is off) is refused the
 * network rule: its address is the proxy's, often loopback.
 */
export function metricsAccess(config: MetricsAccessConfig): (request: MetricsRequest) => Refusal | null {
  if (config.metricsToken) {
    const expected = digest(config.metricsToken);
    return (request) => {
      const header = request.headers.authorization;
      const sent = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : null;
      if (sent !== null && timingSafeEqual(digest(sent), expected)) return null;
      return {
        status: 401,
        message: 'the metrics need the token of POLYTENE_METRICS_TOKEN as Authorization: Bearer <token>',
      };
    };
  }
  const allowed = parseNetworks([...LOOPBACK, config.metricsAllow].join(','));
  return (request) => {
    if (!config.trustProxy && (request.headers['x-forwarded-for'] || request.headers.forwarded)) {
      return {
        status: 403,
        message:
          'this request came through a proxy, so its address is unknown: set POLYTENE_METRICS_TOKEN, ' +
          'or POLYTENE_TRUST_PROXY when the proxy is yours',
      };
    }
    if (isAllowed(allowed, request.ip)) return null;
    return {
      status: 403,
      message:
        `the metrics are open to loopback and the networks of POLYTENE_METRICS_ALLOW only, ` +
        `not to ${request.ip}; or set POLYTENE_METRICS_TOKEN and send it as a bearer token`,
    };
  };
}

function isAllowed(networks: BlockList, ip: string): boolean {
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address);
  if (!family) return false;
  return networks.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Equal-length digests, so timingSafeEqual neither throws on nor reveals a length difference. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
