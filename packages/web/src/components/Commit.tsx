/** A build's commit context (architecture.md §7): title, author and the links CI gave. */
import type { CommitView } from '@polytene/protocol';
import { useT } from '../i18n';

/** A link to a page outside Polytene; the server stores only http(s) URLs. */
function External({ href, children, testId }: { href: string; children: string; testId?: string }) {
  return (
    <a href={href} target="_blank" rel="noreferrer noopener" data-testid={testId}>
      {children}
    </a>
  );
}

/** The commit's title (a link to the commit when known) and its author, on one line; nothing when unknown. */
export function CommitSummary({ commit }: { commit: CommitView | null }) {
  const t = useT();
  if (!commit || (!commit.title && !commit.author_name)) return null;
  return (
    <span className="commit-summary" data-testid="commit-summary">
      {commit.title &&
        (commit.url ? <External href={commit.url}>{commit.title}</External> : <span>{commit.title}</span>)}
      {commit.author_name && (
        <span className="muted" title={commit.author_email ?? undefined}>
          {' '}
          {t('commit.byAuthor', { author: commit.author_name })}
        </span>
      )}
    </span>
  );
}

/** The commit, the CI pipeline and (for a deployment) the comparison with what is live, as links. */
export function CommitLinks({
  commitUrl,
  pipelineUrl,
  compareUrl = null,
}: {
  commitUrl: string | null | undefined;
  pipelineUrl: string | null;
  compareUrl?: string | null;
}) {
  const t = useT();
  if (!commitUrl && !pipelineUrl && !compareUrl) return null;
  return (
    <span className="commit-links">
      {commitUrl && <External href={commitUrl}>{t('commit.open')}</External>}
      {pipelineUrl && <External href={pipelineUrl}>{t('commit.pipeline')}</External>}
      {compareUrl && (
        <External href={compareUrl} testId="compare-link">
          {t('commit.compare')}
        </External>
      )}
    </span>
  );
}
