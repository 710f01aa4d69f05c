/**
 * What the "new runner" page tells a person to run on the deploy host, for this server and token: the
 * download checked against the server's sha256, `configure`, and a systemd unit. Pure text, so the e2e test
 * runs exactly these lines (e2e/runner-install.test.ts).
 */

/** Where the install line puts the runner; the systemd unit starts it from there. */
export const RUNNER_BINARY = '/usr/local/bin/polytene-runner';
/** The OS user the unit runs the runner as (it needs Node.js 20 and git on the host). */
export const RUNNER_USER = 'polytene-runner';

/** Downloads the runner, checks its sha256 (the command fails on a mismatch), installs it. */
export function runnerInstallCommand(origin: string, binary: string = RUNNER_BINARY): string {
  const url = `${origin}/download/polytene-runner`;
  return [
    `cd "$(mktemp -d)"`,
    `curl -fsSLO ${url}`,
    `curl -fsSL ${url}.sha256 | sha256sum -c -`,
    `install -m 755 polytene-runner ${binary}`,
  ].join(' && ');
}

export function runnerConfigureCommand(origin: string, token: string): string {
  return `polytene-runner configure --url ${origin} --token ${token}`;
}

/** The systemd unit (`/etc/systemd/system/polytene-runner.service`); `stop` lets deployments finish. */
export function runnerSystemdUnit(binary: string = RUNNER_BINARY, user: string = RUNNER_USER): string {
  return [
    '[Unit]',
    'Description=Polytene runner',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    `User=${user}`,
    `ExecStart=${binary} start`,
    'Restart=always',
    'RestartSec=5',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=120',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
