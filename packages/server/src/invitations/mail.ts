import type { Locale, UserRole } from '@polytene/protocol';
import { oneLine, type MailContent } from '../notifications/message.js';

export const INVITATION_TOKEN_PREFIX = 'pi';

export function invitationLink(publicUrl: string, token: string): string {
  return `${publicUrl}/invitations/${token}`;
}

export interface InvitationFacts {
  link: string;
  role: UserRole;
  inviter: { login: string; name: string };
  expiresAt: Date;
  publicUrl: string;
}

/** The invitation email, in the inviting administrator's language. */
export function invitationMail(locale: Locale, facts: InvitationFacts): MailContent {
  const inviter = oneLine(facts.inviter.name || facts.inviter.login);
  const expires = facts.expiresAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  if (locale === 'pl') {
    return {
      subject: `[Polytene] ${inviter} zaprasza Cię do Polytene`,
      text: [
        `${inviter} zaprasza Cię do Polytene na ${facts.publicUrl} (rola: ${facts.role === 'admin' ? 'administrator' : 'użytkownik'}).`,
        '',
        'Aby wybrać login i hasło, otwórz:',
        facts.link,
        '',
        `Link działa jeden raz, do ${expires}.`,
      ].join('\n'),
    };
  }
  return {
    subject: `[Polytene] ${inviter} invites you to Polytene`,
    text: [
      `${inviter} invites you to Polytene at ${facts.publicUrl} (role: ${facts.role}).`,
      '',
      'To choose your login and password, open:',
      facts.link,
      '',
      `The link works once, until ${expires}.`,
    ].join('\n'),
  };
}
