// Run as its own process by crash.test.ts: `node --import tsx launch-child.ts launch|resume <campaign id>`.
// The environment carries DATABASE_URL and the channel settings; the test SIGKILLs it mid-launch.
import pino from 'pino';
import { launchCampaign, resumeLaunches } from '../../src/campaigns/launcher.ts';
import { campaignDeps } from '../../src/campaigns/services.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';

const [mode, campaignId] = process.argv.slice(2);
const app = await createApp({ config: loadConfig(process.env), logger: pino({ level: 'silent' }) });
const deps = {
  ...campaignDeps(app.bot),
  delivery: { webhook: { batchSize: 5, backoffMs: 10 }, email: { backoffMs: 10 } },
  leaseMs: process.env.CAMPAIGN_LEASE_MS ? Number(process.env.CAMPAIGN_LEASE_MS) : undefined,
};
const result =
  mode === 'resume'
    ? await resumeLaunches(deps)
    : await launchCampaign(deps, Number(campaignId), { userId: 'UMARKET2', platform: 'slack' });
process.stdout.write(`${JSON.stringify(result)}\n`);
await app.close();
