import { describe, expect, it } from 'vitest';
import { cloneUrlProblem } from './validation.js';

describe('clone URL validation', () => {
  it.each([
    'git@gitlab.example.test:group/app.git',
    'deploy@git.example.test:app',
    'ssh://git@gitlab.example.test:2222/group/app.git',
    'https://gitlab.example.test/group/app.git',
    'file:///srv/git/app.git',
  ])('accepts %s', (url) => {
    expect(cloneUrlProblem(url)).toBeNull();
  });

  it.each([
    'http://gitlab.example.test/group/app.git',
    'ftp://example.test/app.git',
    'gitlab.example.test/group/app.git',
    '-uupload-pack=touch /tmp/x',
    'https://user:secret@gitlab.example.test/app.git',
    'https://gitlab.example.test/',
    'git@host:path with space',
    'ext::sh -c touch% /tmp/pwned',
    '',
  ])('refuses %j', (url) => {
    expect(cloneUrlProblem(url)).not.toBeNull();
  });
});
