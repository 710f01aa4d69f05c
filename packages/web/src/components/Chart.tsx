/** Succeeded vs failed deployments per day, as stacked SVG bars. */
import { useI18n } from '../i18n';
import { niceMax, type DayStat } from './chart-data';

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 8, bottom: 28, left: 32 };

export function DeploymentsChart({ days }: { days: DayStat[] }) {
  const { t, locale } = useI18n();
  const totals = days.reduce(
    (sum, d) => ({ succeeded: sum.succeeded + d.succeeded, failed: sum.failed + d.failed }),
    { succeeded: 0, failed: 0 },
  );
  const max = niceMax(Math.max(0, ...days.map((d) => d.succeeded + d.failed)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => (v / max) * plotH;
  const label = (day: string) =>
    new Date(`${day}T00:00:00Z`).toLocaleDateString(locale === 'pl' ? 'pl-PL' : 'en-GB', {
      day: 'numeric',
      month: 'short',
      timeZone: 'UTC',
    });
  const summary = t('chart.summary', {
    succeeded: totals.succeeded,
    failed: totals.failed,
    days: days.length,
  });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line
              className="chart-grid"
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={PAD.top + plotH - f * plotH}
              y2={PAD.top + plotH - f * plotH}
            />
            <text
              className="chart-axis"
              x={PAD.left - 6}
              y={PAD.top + plotH - f * plotH + 4}
              textAnchor="end"
            >
              {Number.isInteger(f * max) ? f * max : ''}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const hs = y(d.succeeded);
          const hf = y(d.failed);
          const base = PAD.top + plotH;
          return (
            <g key={d.day}>
              <title>{`${label(d.day)}: ${t('chart.succeeded')} ${d.succeeded}, ${t('chart.failed')} ${d.failed}`}</title>
              <rect className="chart-bg" x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} />
              {d.succeeded > 0 && (
                <rect className="chart-ok" x={x} y={base - hs} width={barW} height={hs} rx={2} />
              )}
              {d.failed > 0 && (
                <rect className="chart-bad" x={x} y={base - hs - hf} width={barW} height={hf} rx={2} />
              )}
            </g>
          );
        })}
        {days.map((d, i) =>
          i % 7 === 0 || (i === days.length - 1 && i % 7 >= 3) ? (
            <text
              key={d.day}
              className="chart-axis"
              x={PAD.left + i * slot + slot / 2}
              y={HEIGHT - 8}
              textAnchor="middle"
            >
              {label(d.day)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="chart-legend">
        <span className="legend legend-ok">
          {t('chart.succeeded')}: {totals.succeeded}
        </span>
        <span className="legend legend-bad">
          {t('chart.failed')}: {totals.failed}
        </span>
        <span className="muted">{t('chart.lastDays', { days: days.length })}</span>
      </figcaption>
    </figure>
  );
}
