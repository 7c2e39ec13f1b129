import { describe, expect, it } from 'vitest';
import { isAllowedHost, isInternalAddress } from '../../src/import/address-policy.ts';
import { redactUrl, redactUrls } from '../../src/privacy/redact-url.ts';
import { scrub } from '../../src/logger.ts';

describe('isInternalAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified and reserved IPv4', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.254',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isInternalAddress(address), address).toBe(true);
    }
  });

  it('refuses the IPv6 equivalents, IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms of internal IPv4', () => {
    for (const address of [
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '0:0:0:0:0:ffff:c0a8:0101',
      '::127.0.0.1',
      '64:ff9b::7f00:1',
      '2002:7f00:1::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fe80::1%eth0',
      'ff02::1',
      'not an address',
    ]) {
      expect(isInternalAddress(address), address).toBe(true);
    }
  });

  it('lets public unicast addresses through, mapped ones included', () => {
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
    ]) {
      expect(isInternalAddress(address), address).toBe(false);
    }
  });

  it('WHATWG URL turns decimal, octal and hex hosts into the dotted address that is checked', () => {
    for (const url of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://017700000001/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://0x7f000001/',
    ]) {
      const host = new URL(url).hostname;
      expect(host, url).toBe('127.0.0.1');
      expect(isInternalAddress(host)).toBe(true);
    }
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
  });
});

describe('isAllowedHost', () => {
  it('matches a host, or a host and port, as URL writes them', () => {
    expect(isAllowedHost(['files.example.com'], 'files.example.com', '443')).toBe(true);
    expect(isAllowedHost(['Files.Example.com'], 'files.example.com', '443')).toBe(true);
    expect(isAllowedHost(['127.0.0.1:8080'], '127.0.0.1', '8080')).toBe(true);
    expect(isAllowedHost(['127.0.0.1:8080'], '127.0.0.1', '8081')).toBe(false);
    expect(isAllowedHost(['127.0.0.1'], '[::ffff:7f00:1]', '80')).toBe(false);
    expect(isAllowedHost(['[::1]:9000'], '[::1]', '9000')).toBe(true);
    expect(isAllowedHost(['example.com'], 'evil-example.com', '443')).toBe(false);
    expect(isAllowedHost([], '127.0.0.1', '80')).toBe(false);
  });
});

describe('redactUrl', () => {
  it('removes user-info and every query value, keeping keys, path and fragment', () => {
    expect(redactUrl('https://files.example.com/a.csv?token=abc&page=2#top')).toBe(
      'https://files.example.com/a.csv?token=[redacted]&page=[redacted]#top',
    );
    expect(redactUrl('https://user:pa55@files.example.com/a.csv')).toBe('https://[redacted]@files.example.com/a.csv');
    expect(redactUrl('https://files.example.com/a.csv?secret')).toBe('https://files.example.com/a.csv?[redacted]');
    expect(redactUrl('postgres://app:pw@db:5432/x')).toBe('postgres://[redacted]@db:5432/x');
    expect(redactUrl('https://files.example.com/a@b.csv')).toBe('https://files.example.com/a@b.csv');
  });

  it('finds URLs inside text; scrub (logs, audit) applies it', () => {
    expect(redactUrls('Cannot download https://x.example/f?sig=s3cr3t: 403')).toBe(
      'Cannot download https://x.example/f?sig=[redacted]: 403',
    );
    expect(scrub('fetch http://u:p4ss@x.example/f?token=t0k for a@b.example')).toBe(
      'fetch http://[redacted]@x.example/f?token=[redacted] for [email]',
    );
  });
});
