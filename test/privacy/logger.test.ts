import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrub } from '../../src/logger.ts';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const EMAIL = 'jane.doe@example.com';
const SLACK = 'xoxb-1234567890-abcdefghij';
const DISCORD = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123';

describe('logger scrubbing', () => {
  it('scrub removes emails and Slack, Discord and bearer tokens from text', () => {
    expect(scrub(`to ${EMAIL} with ${SLACK} and ${DISCORD}`)).toBe('to [email] with [token] and [token]');
    expect(scrub('Authorization: Bearer abc.def-123')).not.toContain('abc.def-123');
  });

  it('no email or token reaches the log from messages, nested fields or errors', () => {
    const out = capture();
    const logger = createLogger('debug', out.stream);
    logger.info(`sending to ${EMAIL}`);
    logger.info({ recipient: { address: EMAIL, note: `token ${SLACK}` }, list: [EMAIL] }, 'nested');
    logger.error({ err: new Error(`550 5.1.1 <${EMAIL}>: Recipient address rejected (${SLACK})`) }, 'smtp failed');
    logger.warn({ error: new Error(`bad ${DISCORD}`) }, 'discord');
    logger.child({ user: EMAIL }).info('child bindings');
    logger.info({ email: EMAIL, token: SLACK, headers: { authorization: 'Bearer secret-value' } }, 'keys');
    const text = out.text();
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(SLACK);
    expect(text).not.toContain(DISCORD);
    expect(text).not.toContain('secret-value');
    expect(text).toContain('Recipient address rejected');
    expect(text.trim().split('\n')).toHaveLength(6);
  });
});
