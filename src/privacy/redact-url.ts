/** Marks a value that was removed. */
export const REDACTED = '[redacted]';

/** `scheme://` up to the first character that cannot be part of a URL written in text, less closing punctuation. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`]*[^\s<>"'`.,:;!?)\]]/gi;

/**
 * One URL with its secrets removed: user-info becomes `[redacted]@` and every query value
 * `[redacted]` (`?token=abc&page=2` → `?token=[redacted]&page=[redacted]`). The rest stays as written.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return url;
  let rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at !== -1) rest = `${REDACTED}@${rest.slice(at + 1)}`;
  const query = rest.indexOf('?');
  if (query !== -1) {
    const hash = rest.indexOf('#', query);
    const end = hash === -1 ? rest.length : hash;
    const params = rest
      .slice(query + 1, end)
      .split('&')
      .map((param) => {
        if (param === '') return param;
        const eq = param.indexOf('=');
        return eq === -1 ? REDACTED : `${param.slice(0, eq)}=${REDACTED}`;
      })
      .join('&');
    rest = `${rest.slice(0, query + 1)}${params}${rest.slice(end)}`;
  }
  return scheme[0] + rest;
}

/** Every URL inside a text redacted (see redactUrl). */
export function redactUrls(text: string): string {
  return text.includes('://') ? text.replace(URL_IN_TEXT, redactUrl) : text;
}
