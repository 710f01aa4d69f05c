import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../packages/server/src/db/embedded.js';
import { mailText, startSmtpCapture, type SmtpCapture } from '../packages/server/src/test-support/smtp.js';
import { startPolytene, type PolyteneServer } from './runner-harness.js';
import {
  DEFAULT_ADMIN_PASSWORD,
  ensureBuilt,
  launchChromium,
  logInChangingPassword,
  screenshot,
  watchConsole,
} from './ui-support.js';

/**
 * Invitations in the browser (issue 11, item 7): the admin invites by email on the Users page, the
 * server's real SMTP client hands the mail to this test's SMTP server, and a second browser opens the
 * mailed link by the server's public name, chooses login and password and lands on the dashboard.
 */
const HOSTNAME = 'polytene-invite.test';
const ADMIN_PASSWORD = 'Invite-Passw0rd-99!';

let smtp: SmtpCapture;
let server: PolyteneServer;
let publicUrl: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pages: Page[] = [];
const consoleErrors: string[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  consoleErrors.push(...watchConsole(page));
  pages.push(page);
  return page;
}

beforeAll(async () => {
  ensureBuilt();
  smtp = await startSmtpCapture();
  const port = await findFreePort();
  publicUrl = `http://${HOSTNAME}:${port}`;
  server = await startPolytene({
    POLYTENE_PORT: String(port),
    POLYTENE_PUBLIC_URL: publicUrl,
    POLYTENE_SMTP_URL: smtp.url,
  });
  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
}, 180_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    for (const [i, page] of pages.entries())
      await screenshot(page, `invitations-failed-${i}`).catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

describe('an invitation by email in the browser', () => {
  it('is sent from the Users page and its mailed link makes a logged-in user', async () => {
    const admin = await newPage();
    await logInChangingPassword(admin, publicUrl, 'admin', DEFAULT_ADMIN_PASSWORD, ADMIN_PASSWORD);

    await admin.goto(`${publicUrl}/users`);
    const card = admin.locator('section', { has: admin.getByRole('heading', { name: 'Invite by email' }) });
    // The new-user form keeps the page's one "Email" field (ui-runner.test.ts fills it by that label).
    await card.waitFor();
    expect(await admin.getByLabel('Email').count()).toBe(1);
    await card.getByLabel('Address to invite').fill('frank@example.test');
    await card.getByLabel('Role').selectOption('member');
    await card.getByRole('button', { name: 'Send invitation' }).click();
    await card.getByText('Invitation sent to frank@example.test.').waitFor();
    const pending = admin.getByRole('table', { name: 'Pending invitations' });
    await pending.getByRole('cell', { name: 'frank@example.test', exact: true }).waitFor();

    const text = mailText((await smtp.mailTo('frank@example.test')).raw);
    const link = new RegExp(`${publicUrl}/invitations/pi_[A-Za-z0-9_-]+`).exec(text)?.[0];
    expect(link, text).toBeDefined();

    const invitee = await newPage();
    await invitee.goto(link!);
    await invitee.getByText('You are invited as frank@example.test.').waitFor();
    await invitee.getByLabel('Login').fill('frank');
    await invitee.getByLabel('Name').fill('Frank Invited');
    await invitee.getByLabel('Password', { exact: true }).fill('Gentle-Passw0rd-42');
    await invitee.getByLabel('Password again').fill('Gentle-Passw0rd-42');
    await invitee.getByRole('button', { name: 'Create my account' }).click();
    await invitee.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(new URL(invitee.url()).pathname).toBe('/dashboard');
    await invitee.getByText('frank', { exact: true }).first().waitFor();
    await screenshot(invitee, 'invitation-accepted-dashboard');

    // The link works once: opened again, it says so in words.
    const again = await newPage();
    await again.goto(link!);
    await again.getByText('This invitation was already used. Log in instead.').waitFor();

    await admin.reload();
    await admin.getByText('No invitation is pending.').waitFor();
    // The used link's 410 is the one failed request a browser reports.
    expect(consoleErrors.filter((e) => !e.includes('status of 410'))).toEqual([]);
  }, 90_000);
});
