import { Readable } from 'node:stream';
import type { webApi } from '@slack/bolt';
import type { Upload } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';

export interface ListedFile {
  id?: string;
  name?: string;
  filetype?: string;
  mimetype?: string;
  created?: number;
  size?: number;
  user?: string;
  url_private_download?: string;
  url_private?: string;
}

export function isCsv(file: ListedFile): boolean {
  return file.filetype === 'csv' || file.mimetype === 'text/csv' || /\.csv(\.gz)?$/i.test(file.name ?? '');
}

/**
 * The most recent CSV the user shared in the channel (or DM), as an Upload the import reads.
 * Slack's files.list has no CSV type filter, so recent files are listed and filtered here.
 */
export async function latestSharedCsv(
  client: webApi.WebClient,
  botToken: string,
  userId: string,
  channelId: string,
): Promise<Upload | undefined> {
  const result = await client.files.list({ user: userId, channel: channelId, count: 50 });
  const files = ((result.files ?? []) as ListedFile[])
    .filter((file) => isCsv(file) && (!file.user || file.user === userId) && (file.url_private_download || file.url_private))
    .sort((a, b) => (b.created ?? 0) - (a.created ?? 0));
  const file = files[0];
  return file ? slackFileUpload(file, botToken) : undefined;
}

/** A Slack-hosted file, downloaded with the bot token; a worker thread can fetch `url` with `headers` itself. */
export function slackFileUpload(file: ListedFile, botToken: string): Upload {
  const url = (file.url_private_download ?? file.url_private)!;
  const headers = { Authorization: `Bearer ${botToken}` };
  const name = file.name ?? 'upload.csv';
  return {
    name,
    size: file.size,
    url,
    headers,
    open: async () => {
      const response = await fetch(url, { headers, redirect: 'follow' });
      const type = response.headers.get('content-type') ?? '';
      // Slack answers a download it does not authorize with its sign-in page and status 200.
      if (!response.ok || !response.body || type.startsWith('text/html')) {
        await response.body?.cancel();
        throw new UserError(
          'upload_unreadable',
          `Could not download ${name} from Slack (${response.ok ? 'the bot is not allowed to read it' : `HTTP ${response.status}`}).`,
          {
            hint: 'Check that the app has the files:read scope and is in this channel (/invite @growthbot), then share the file again.',
          },
        );
      }
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    },
  };
}
