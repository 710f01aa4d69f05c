import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

/** A real SMTP server on a free loopback port that keeps every message it is handed. */
export interface SmtpCapture {
  url: string;
  received: ReceivedMail[];
  /** Resolves with the first message to `address`, as soon as it arrives. */
  mailTo(address: string): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSmtpCapture(host = '127.0.0.1'): Promise<SmtpCapture> {
  const received: ReceivedMail[] = [];
  const waiting: Array<() => void> = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        for (const wake of waiting.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, host, resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return {
    url: `smtp://${host}:${port}`,
    received,
    async mailTo(address) {
      for (;;) {
        const mail = received.find((m) => m.to.includes(address));
        if (mail) return mail;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
    close: () => new Promise<void>((resolve) => smtp.close(resolve)),
  };
}

/** The text of a message body as a person reads it: quoted-printable soft breaks and escapes undone. */
export function mailText(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
