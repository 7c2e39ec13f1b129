/**
 * Reads the messages the bot sends over SMTP, as a mail client would: headers unfolded, encoded words
 * in them decoded, and the text and HTML parts of a multipart/alternative body decoded (quoted-printable
 * or base64). Enough for what nodemailer writes; not a general MIME parser.
 */
export interface ReadMessage {
  headers: Map<string, string[]>;
  subject: string;
  text: string | null;
  html: string | null;
}

function splitHead(raw: string): { head: string; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  if (at < 0) return { head: raw, body: '' };
  return { head: raw.slice(0, at), body: raw.slice(at).replace(/^\r?\n\r?\n/, '') };
}

function parseHeaders(head: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return headers;
}

function quotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
  const kind = (encoding ?? '7bit').toLowerCase();
  if (kind === 'quoted-printable') return quotedPrintable(body);
  if (kind === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** `=?UTF-8?Q?Hi_=C3=A9?=` and `=?UTF-8?B?…?=` words, as a client shows them. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : quotedPrintable(data.replace(/_/g, ' ')),
    );
}

export function readMessage(raw: string): ReadMessage {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const type = headers.get('content-type')?.[0] ?? 'text/plain';
  const message: ReadMessage = { headers, subject: decodeWords(headers.get('subject')?.[0] ?? ''), text: null, html: null };
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1)
        .filter((p) => !p.startsWith('--'))
        .map((p) => splitHead(p.replace(/^\r?\n/, '')))
    : [{ head, body }];
  for (const part of parts) {
    const partHeaders = parseHeaders(part.head);
    const partType = (partHeaders.get('content-type')?.[0] ?? 'text/plain').toLowerCase();
    const decoded = decodeBody(part.body.replace(/\r?\n$/, ''), partHeaders.get('content-transfer-encoding')?.[0]).replace(/\r\n/g, '\n');
    if (partType.startsWith('text/html')) message.html = decoded;
    else if (partType.startsWith('text/plain')) message.text = decoded;
  }
  return message;
}
