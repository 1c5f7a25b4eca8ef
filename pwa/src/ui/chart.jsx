// A goal's readings over time, drawn by hand in SVG: the x axis is time (the space between two readings
// is proportional to the days between them), with dated ticks; one line per participant, each with its own
// colour and marker, and a legend drawn in the same SVG with the very same markers; the agreed versions
// as vertical lines labelled on the axis. The same readings follow as a table (the text alternative).
// Each point carries data-date, data-value and data-x (its x), each version mark data-date and data-x.

import { goalSeries, versionMarks } from '../data/progress.js';
import { fieldValue } from '../data/kinds.js';
import { direction, formatDay, formatShortDay, t } from '../i18n/index.js';
import { U } from './common.jsx';

const SHAPES = ['circle', 'square', 'diamond', 'triangle'];
const R = 4; // every marker fits the same 8 by 8 box

/** One marker centred on (x, y). */
export function Marker({ shape, x, y }) {
  if (shape === 'square') return <rect x={x - R} y={y - R} width={2 * R} height={2 * R} />;
  if (shape === 'diamond') return <polygon points={`${x},${y - R} ${x + R},${y} ${x},${y + R} ${x - R},${y}`} />;
  if (shape === 'triangle') return <polygon points={`${x},${y - R} ${x + R},${y + R} ${x - R},${y + R}`} />;
  return <circle cx={x} cy={y} r={R} />;
}

const W = 320;
const LEFT = 28;
const RIGHT = 14;
const TOP = 20;
const PLOT_H = 110;
const ROW = 18;
const round = (n) => Math.round(n * 100) / 100;

/** The x of each moment on the axis from `t0` to `t1` (one moment alone sits in the middle). */
export function timeScale(t0, t1, left = LEFT, width = W - LEFT - RIGHT) {
  return (time) => round(left + (t1 > t0 ? ((time - t0) / (t1 - t0)) * width : width / 2));
}

/** Dated ticks: the first and last day and the day halfway (one tick when everything is on one day). */
function ticksOf(t0, t1) {
  if (t1 <= t0) return [t0];
  const middle = t0 + Math.round((t1 - t0) / 2 / 86_400_000) * 86_400_000;
  return [...new Set([t0, middle, t1])];
}

const isoOf = (time) => new Date(time).toISOString().slice(0, 10);

/** The chart of one goal's readings (and the plan's agreed versions in its time span); nothing without readings. */
export function ReadingsChart({ plan, goal, id = `chart-${goal.id}` }) {
  const series = goalSeries(plan, goal.id);
  if (!series.length) return null;
  const times = series.flatMap((s) => s.points.map((p) => p.time));
  const [first, last] = [Math.min(...times), Math.max(...times)];
  // The versions kept while these readings were given (and any after the first reading).
  const versions = versionMarks(plan).filter((v) => v.time >= first);
  const t0 = first;
  const t1 = Math.max(last, ...versions.map((v) => v.time));
  const xOf = timeScale(t0, t1);
  const yOf = (value) => round(TOP + PLOT_H - (value / 10) * PLOT_H);
  const axisY = TOP + PLOT_H;
  const withYear = new Date(t0).getUTCFullYear() !== new Date(t1).getUTCFullYear();
  const ticks = ticksOf(t0, t1);
  const legendTop = axisY + 34;
  const H = legendTop + series.length * ROW;
  const anchor = (time) => (ticks.length === 1 ? 'middle' : time === t0 ? 'start' : time === t1 ? 'end' : 'middle');
  return (
    <figure class="chart" data-chart={goal.id} data-from={isoOf(t0)} data-to={isoOf(t1)}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-caption`} preserveAspectRatio="xMidYMid meet" direction="ltr" data-plot-left={LEFT} data-plot-width={W - LEFT - RIGHT}>
        {[0, 5, 10].map((v) => (
          <g key={v} class="grid">
            <line x1={LEFT} x2={W - RIGHT} y1={yOf(v)} y2={yOf(v)} />
            <text x={LEFT - 6} y={yOf(v) + 4} text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        <g class="time-axis">
          <line class="axis" x1={LEFT} x2={W - RIGHT} y1={axisY} y2={axisY} />
          {ticks.map((time) => (
            <g key={time} class="tick" data-tick={isoOf(time)} data-x={xOf(time)}>
              <line x1={xOf(time)} x2={xOf(time)} y1={axisY} y2={axisY + 4} />
              <text x={xOf(time)} y={axisY + 16} text-anchor={anchor(time)}>
                {formatShortDay(isoOf(time), withYear)}
              </text>
            </g>
          ))}
        </g>
        {versions.map((version) => (
          <g key={version.id} class="version-mark" data-version={version.id} data-number={version.number} data-date={version.day} data-x={xOf(version.time)}>
            <line x1={xOf(version.time)} x2={xOf(version.time)} y1={TOP - 4} y2={axisY} />
            <text x={xOf(version.time)} y={TOP - 7} text-anchor="middle" direction={direction()}>
              {t('progress.version_mark', { n: version.number })}
            </text>
          </g>
        ))}
        {series.map(({ party, points }, index) => (
          <g key={party} class={`series s${index % 4}`} data-party={party}>
            <polyline points={points.map((p) => `${xOf(p.time)},${yOf(p.value)}`).join(' ')} fill="none" />
            {points.map((p) => (
              <g key={p.id} class="point" data-reading={p.id} data-date={p.day} data-value={p.value} data-x={xOf(p.time)} data-y={yOf(p.value)}>
                <Marker shape={SHAPES[index % 4]} x={xOf(p.time)} y={yOf(p.value)} />
              </g>
            ))}
          </g>
        ))}
        <g class="legend">
          {series.map(({ party }, index) => (
            <g key={party} class={`key s${index % 4}`} data-legend={party}>
              <Marker shape={SHAPES[index % 4]} x={LEFT + R} y={legendTop + index * ROW - R} />
              <text class="legend-name" x={LEFT + 3 * R + 4} y={legendTop + index * ROW}>
                {party}
              </text>
            </g>
          ))}
        </g>
      </svg>
      <figcaption id={`${id}-caption`}>{t('scale.chart')}</figcaption>
      <ChartTable plan={plan} series={series} versions={versions} />
    </figure>
  );
}

/** The chart's text alternative: each reading (day, who, number) and each agreed version's day. */
function ChartTable({ series, versions }) {
  const rows = series.flatMap(({ party, points }) => points.map((p) => ({ ...p, party }))).sort((a, b) => a.time - b.time);
  return (
    <details class="chart-table">
      <summary>{t('progress.as_table')}</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('progress.col_date')}</th>
            <th scope="col">{t('progress.col_who')}</th>
            <th scope="col">{t('progress.col_value')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>{formatDay(row.day)}</td>
              <td>
                <U>{row.party}</U>
              </td>
              <td>{row.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.length > 0 && (
        <ul class="plain chart-versions">
          {versions.map((version) => (
            <li key={version.id}>{t('progress.version_on', { n: version.number, when: formatDay(version.day) })}</li>
          ))}
        </ul>
      )}
    </details>
  );
}

/** The person's own words for 0 and 10 on a goal's scale. */
export function ScaleEnds({ goal }) {
  return (
    <div class="scale-ends">
      <p>
        <span class="end-number">0</span> <U>{fieldValue(goal, 'low') || t('scale.not_described')}</U>
      </p>
      <p>
        <span class="end-number">10</span> <U>{fieldValue(goal, 'high') || t('scale.not_described')}</U>
      </p>
    </div>
  );
}
