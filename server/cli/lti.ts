import { AdminInputError } from '../admin/adminInput.ts';
import { listLtiPlatformSummaries, registerLtiPlatform, removeLtiPlatform, replaceLtiDeployments, type LtiPlatformSummary } from '../admin/ltiPlatforms.ts';
import { previewTenantRemoval } from '../admin/tenants.ts';
import { ltiToolUrls } from '../auth/lti/ltiToolUrls.ts';
import { systemClock } from '../clock.ts';
import { confirmDeletion, parseCliArgs, subcommandOf, withDatabase, type Command } from './runCli.ts';

const USAGE = `Usage: npx widget-admin lti <command> [options]   (or: npm run lti -- <command> ...)

  add --issuer ISS --client-id ID --auth-url URL --jwks-url URL
      --deployment DEPLOYMENT_ID [--deployment ...] --origin ORIGIN [--origin ...] [--json]
        Register an LTI 1.3 platform (an LMS): its issuer, the client_id it gave
        the tool, its OIDC authorization endpoint, its JWKS, the deployment ids
        allowed to launch and the origins allowed to frame the widget.
  list [--json]                        Show the registered platforms.
  set-deployments --issuer ISS --client-id ID --deployment D [--deployment ...]
                                       Replace the deployment ids allowed to launch.
  remove --issuer ISS --client-id ID [--yes]
                                       Delete the platform with its users, sessions and notes.
  urls [--json]                        What to enter in the LMS: login URL, redirect URI, target link URI, JWKS URL.

The platform's sessions end with: npm run sessions -- revoke --issuer lti:<id> (id from list).
See docs/lti.md.`;

const COMMANDS = ['add', 'list', 'set-deployments', 'remove', 'urls'] as const;

const describe = (p: LtiPlatformSummary) =>
  `${p.issuer}  client_id ${p.clientId}  (tenant ${p.tenantIssuer})\n  login: ${p.authUrl}\n  jwks: ${p.jwksUrl}\n  deployments: ${p.deploymentIds.join(' ')}\n  origins: ${p.origins.join(' ')}`;

function required(value: string | undefined, option: string): string {
  if (value === undefined) throw new AdminInputError(`${option} is required`);
  return value;
}

export const ltiCommand: Command = async (args, io) => {
  const { positionals, values } = parseCliArgs({
    args,
    allowPositionals: true,
    options: {
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'auth-url': { type: 'string' },
      'jwks-url': { type: 'string' },
      deployment: { type: 'string', multiple: true },
      origin: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = subcommandOf(positionals[0], values.help, COMMANDS, USAGE, io);
  if (command === null) return 0;

  return withDatabase('lti', io, async (db, config) => {
    const now = systemClock.now();
    const platform = () => ({ issuer: required(values.issuer, '--issuer'), clientId: required(values['client-id'], '--client-id') });
    switch (command) {
      case 'add': {
        const added = await registerLtiPlatform(db, {
          ...platform(),
          authUrl: required(values['auth-url'], '--auth-url'),
          jwksUrl: required(values['jwks-url'], '--jwks-url'),
          deploymentIds: values.deployment ?? [],
          origins: values.origin ?? [],
          now,
          production: config.production,
        });
        if (values.json) io.out(JSON.stringify(added));
        else io.out(`Registered LTI platform\n${describe(added)}`);
        return;
      }
      case 'list': {
        const rows = await listLtiPlatformSummaries(db);
        if (values.json) io.out(JSON.stringify(rows));
        else io.out(rows.length === 0 ? 'No LTI platforms registered.' : rows.map(describe).join('\n'));
        return;
      }
      case 'set-deployments': {
        const updated = await replaceLtiDeployments(db, { ...platform(), deploymentIds: values.deployment ?? [] });
        if (values.json) io.out(JSON.stringify(updated));
        else io.out(`Deployments of ${updated.issuer} (client_id ${updated.clientId}): ${updated.deploymentIds.join(' ')}`);
        return;
      }
      case 'remove': {
        const { issuer, clientId } = platform();
        const summary = (await listLtiPlatformSummaries(db)).find((p) => p.issuer === issuer && p.clientId === clientId);
        if (summary && !values.yes) {
          const { contents } = await previewTenantRemoval(db, summary.tenantIssuer, now);
          await confirmDeletion(io, `LTI platform ${issuer} (client_id ${clientId}) with ${contents.users} user(s), ${contents.notes} note(s) and ${contents.openSessions} open session(s)`);
        }
        const removed = await removeLtiPlatform(db, { issuer, clientId });
        if (values.json) io.out(JSON.stringify({ issuer: removed.issuer, clientId: removed.clientId, removed: true }));
        else io.out(`Removed LTI platform ${removed.issuer} (client_id ${removed.clientId}).`);
        return;
      }
      case 'urls': {
        const urls = ltiToolUrls(config.publicUrl);
        if (values.json) io.out(JSON.stringify(urls));
        else io.out(`OIDC login URL (initiation): ${urls.loginUrl}\nRedirect URI: ${urls.redirectUri}\nTarget link URI: ${urls.targetLinkUri}\nTool JWKS URL (empty; the tool signs nothing yet): ${urls.jwksUrl}`);
        return;
      }
    }
  });
};
