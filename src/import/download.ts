import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { UserError } from '../core/errors.ts';
import { redactUrl } from '../privacy/redact-url.ts';
import { isAllowedHost, isInternalAddress } from './address-policy.ts';
import { formatSeconds, guardDownload, tooLargeError, type ImportLimits } from './limits.ts';

/** Who may fetch what; plain data, so it crosses into a worker thread. */
export interface UrlPolicy {
  /** IMPORT_ALLOW_HTTP: plain http besides https. */
  allowHttp: boolean;
  /** IMPORT_URL_ALLOW: hosts (or host:port) reachable even at internal addresses. */
  allow: string[];
  /** The command came from chat (Slack, Discord): URLs with credentials are refused. */
  fromChat: boolean;
  /** A file shared on the platform, fetched with the bot's token: its host is trusted, the limits still hold. */
  platformFile?: boolean;
}

export const MAX_REDIRECTS = 5;

/** Where a URL leads, for messages: the URL without credentials or query values. */
export function urlLabel(url: string): string {
  return redactUrl(url);
}

class BlockedAddress extends Error {}

function internalHostError(host: string): UserError {
  return new UserError(
    'url_internal',
    `${host} is an internal address (this machine or a private network): imports may only download from public hosts.`,
    { hint: 'Share the file in the chat instead, or ask an admin to list the host in IMPORT_URL_ALLOW.' },
  );
}

function connectError(host: string, limits: ImportLimits): UserError {
  return new UserError(
    'source_unreachable',
    `Cannot download from ${host}: the host could not be found, refused the connection, or did not answer within ${formatSeconds(limits.idleMs)} (the limit set by IMPORT_IDLE_TIMEOUT_S).`,
    { hint: 'Check the URL and that the file is public, or share the file in the chat instead.' },
  );
}

/** Refuses what the policy does not allow before any connection is made. */
function checkUrl(url: URL, policy: UrlPolicy, label: string): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError('url_scheme', `${label} is not an http(s) URL.`, { hint: 'Give an https:// URL or share the file in the chat.' });
  }
  if (policy.platformFile) return;
  if (url.protocol === 'http:' && !policy.allowHttp) {
    throw new UserError('url_scheme', `${label} uses plain http; only https URLs can be imported.`, {
      hint: 'Use the https:// address of the file, or ask an admin to set IMPORT_ALLOW_HTTP=true.',
    });
  }
  if (policy.fromChat && (url.username || url.password)) {
    throw new UserError(
      'url_credentials',
      'URLs with a user name or password cannot be imported from chat: the password would be shared.',
      {
        hint: 'Share the file in the chat instead, or use a link that needs no password.',
      },
    );
  }
}

function hostPort(url: URL): { host: string; port: string } {
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (url.protocol === 'https:' ? '443' : '80') };
}

/**
 * Resolves like dns.lookup, but fails on any internal address: the socket connects to the
 * very address checked here (no second lookup between check and connect).
 */
function checkedLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0 || addresses.some((a) => isInternalAddress(a.address))) {
        return callback(new BlockedAddress(hostname), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

interface Response {
  response: IncomingMessage;
  waitedMs: number;
}

function request(
  url: URL,
  headers: Record<string, string>,
  checkAddresses: boolean,
  limits: ImportLimits,
  host: string,
): Promise<Response> {
  const started = performance.now();
  const client = url.protocol === 'https:' ? https : http;
  const auth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  return new Promise<Response>((resolve, reject) => {
    const req = client.request(
      {
        protocol: url.protocol,
        hostname: hostPort(url).host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { 'user-agent': 'growthbot-import', 'accept-encoding': 'identity', ...headers },
        ...(auth ? { auth } : {}),
        agent: false,
        ...(checkAddresses ? { lookup: checkedLookup() } : {}),
      },
      (response) => {
        clearTimeout(timer);
        resolve({ response, waitedMs: performance.now() - started });
      },
    );
    const timer = setTimeout(() => req.destroy(connectError(host, limits)), limits.idleMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      if (error instanceof BlockedAddress) reject(internalHostError(host));
      else reject(error instanceof UserError ? error : connectError(host, limits));
    });
    req.end();
  });
}

/**
 * GETs a URL for an import: https only unless allowed, internal addresses refused (checked
 * again after each of at most MAX_REDIRECTS redirects), every byte within the limits.
 */
export async function download(
  address: string,
  options: { headers?: Record<string, string>; policy: UrlPolicy; limits: ImportLimits; label: string },
): Promise<{ stream: Readable; size: number | null }> {
  const { policy, limits, label } = options;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new UserError('url_invalid', `${label} is not a valid URL.`, { hint: 'Check the address, or share the file in the chat.' });
  }
  let headers = { ...options.headers };
  let waited = 0;
  for (let hop = 0; ; hop++) {
    const hopLabel = hop === 0 ? label : urlLabel(url.href);
    checkUrl(url, policy, hopLabel);
    const { host, port } = hostPort(url);
    const checkAddresses = !policy.platformFile && !isAllowedHost(policy.allow, url.hostname, port);
    if (checkAddresses && isIP(host) && isInternalAddress(host)) throw internalHostError(url.hostname);
    const { response, waitedMs } = await request(url, headers, checkAddresses, limits, url.hostname);
    waited += waitedMs;
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.destroy();
      if (hop >= MAX_REDIRECTS) {
        throw new UserError('too_many_redirects', `${label} redirects more than ${MAX_REDIRECTS} times.`, {
          hint: 'Give the final address of the file, or share it in the chat.',
        });
      }
      const next = new URL(location, url);
      if (next.origin !== url.origin)
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      url = next;
      continue;
    }
    if (status < 200 || status >= 300) {
      response.destroy();
      throw new UserError(
        'source_http_error',
        `Cannot download ${hopLabel}: the server answered ${status} ${response.statusMessage ?? ''}`.trimEnd() + '.',
        {
          hint: status === 401 || status === 403 ? 'The file is not public: share it in the chat instead.' : 'Check the URL.',
        },
      );
    }
    const length = Number(response.headers['content-length']);
    if (Number.isFinite(length) && length > limits.maxBytes) {
      response.destroy();
      throw tooLargeError(label, limits);
    }
    return {
      stream: guardDownload(response, limits, label, waited),
      size: Number.isFinite(length) && length > 0 ? length : null,
    };
  }
}
