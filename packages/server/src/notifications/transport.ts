import nodemailer from 'nodemailer';
import type { ServerConfig } from '../config.js';
import type { MailContent } from './message.js';

/**
 * Hands one message to the SMTP server of `POLYTENE_SMTP_URL`. Short timeouts: callers send inside the
 * transaction that records the mail, which stays open meanwhile.
 */
export async function sendMail(
  config: Pick<ServerConfig, 'mailFrom'> & { smtpUrl: string },
  to: string | string[],
  mail: MailContent,
): Promise<void> {
  const transport = nodemailer.createTransport({
    url: config.smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  try {
    await transport.sendMail({ from: config.mailFrom, to, ...mail });
  } finally {
    transport.close();
  }
}
