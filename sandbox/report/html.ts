/**
 * The run as one self-contained HTML page: inline CSS and SVG, no script, no network. One chart per
 * reservation (owned, lent and borrowed capacity over the window, the exchange sessions shaded, closed days
 * marked, alarms and on-call actions as rules), the summary, the reclaims with their margins, and the
 * timeline, with the policy's need as a line and each shortfall shaded. Attributes `data-series`,
 * `data-points` and class `session` are for the report's own test.
 */
import { DateTime } from 'luxon';
import type { CapacityPoint, SimulationResult, TimelineEntry } from '../result.ts';
import {
  accountLabel,
  describeShortfall,
  formatDualTime,
  formatLocalAndUtc,
  reservationLabel,
  reservationTimeZone,
} from './terminal.ts';

const CHART_WIDTH = 1080;
const CHART_HEIGHT = 190;
const MARGIN = { left: 54, right: 12, top: 14, bottom: 26 };
const PLOT_WIDTH = CHART_WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;

const MARKER_KINDS = new Set<TimelineEntry['kind']>(['alarm', 'on-call', 'impairment']);

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const fixed = (value: number) => value.toFixed(1);

interface Scale {
  x(iso: string | number): number;
  y(count: number): number;
}

function makeScale(result: SimulationResult, maxCount: number): Scale {
  const start = Date.parse(result.window.start);
  const span = Date.parse(result.window.end) - start;
  const top = Math.max(1, maxCount);
  return {
    x: (time) =>
      MARGIN.left + (((typeof time === 'number' ? time : Date.parse(time)) - start) / span) * PLOT_WIDTH,
    y: (count) => MARGIN.top + PLOT_HEIGHT - (count / top) * PLOT_HEIGHT,
  };
}

/** A step line through the samples: a count holds until the next sample changes it. */
function stepPath(points: readonly { time: string; value: number }[], scale: Scale, end: string): string {
  const first = points[0];
  if (first === undefined) return '';
  const parts = [`M${fixed(scale.x(first.time))},${fixed(scale.y(first.value))}`];
  let previous = first.value;
  for (const point of points.slice(1)) {
    const x = fixed(scale.x(point.time));
    if (point.value !== previous)
      parts.push(`L${x},${fixed(scale.y(previous))}`, `L${x},${fixed(scale.y(point.value))}`);
    previous = point.value;
  }
  parts.push(`L${fixed(scale.x(end))},${fixed(scale.y(previous))}`);
  return parts.join(' ');
}

function areaPath(line: string, scale: Scale, start: string, end: string): string {
  if (line === '') return '';
  return `${line} L${fixed(scale.x(end))},${fixed(scale.y(0))} L${fixed(scale.x(start))},${fixed(scale.y(0))} Z`;
}

function dayTicks(result: SimulationResult, scale: Scale): string {
  const end = DateTime.fromISO(result.window.end, { zone: result.timeZone });
  let day = DateTime.fromISO(result.window.start, { zone: result.timeZone }).startOf('day');
  const ticks: string[] = [];
  for (; day < end; day = day.plus({ days: 1 })) {
    const at = Math.max(day.toMillis(), Date.parse(result.window.start));
    const x = scale.x(at);
    const noon = scale.x(Math.min(day.plus({ hours: 12 }).toMillis(), Date.parse(result.window.end)));
    ticks.push(
      `<line class="day" x1="${fixed(x)}" x2="${fixed(x)}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_HEIGHT}"/>`,
      `<text class="axis" x="${fixed(noon)}" y="${CHART_HEIGHT - 8}" text-anchor="middle">${escapeHtml(day.toFormat('ccc dd LLL'))}</text>`,
    );
  }
  return ticks.join('');
}

function chartFor(result: SimulationResult, reservationId: string): string {
  const series = result.samples
    .map((sample) => ({ time: sample.time, point: sample.reservations[reservationId] }))
    .filter((entry): entry is { time: string; point: CapacityPoint } => entry.point !== undefined);
  const maxCount = Math.max(1, ...series.map((entry) => entry.point.owned));
  const scale = makeScale(result, maxCount);
  const reservation = result.reservations.find((candidate) => candidate.id === reservationId);
  const market = reservation?.market;
  const valuesOf = (key: 'owned' | 'lent' | 'borrowed') =>
    series.map((entry) => ({ time: entry.time, value: entry.point[key] }));

  const sessions = result.sessions
    .filter((session) => market === undefined || session.market === market)
    .map((session) => {
      const x1 = scale.x(session.open);
      const x2 = scale.x(session.close);
      const title = `${session.market} ${session.date} ${session.openLocal}–${session.closeLocal} ${session.timeZone}${session.earlyClose ? ` (early close${session.note ? `: ${session.note}` : ''})` : ''}`;
      return `<rect class="session${session.earlyClose ? ' early' : ''}" data-market="${escapeHtml(session.market)}" x="${fixed(x1)}" y="${MARGIN.top}" width="${fixed(Math.max(1, x2 - x1))}" height="${PLOT_HEIGHT}"><title>${escapeHtml(title)}</title></rect>`;
    })
    .join('');

  const closed = result.closedDays
    .filter((day) => market === undefined || day.market === market)
    .map((day) => {
      const zone =
        result.sessions.find((session) => session.market === day.market)?.timeZone ?? result.timeZone;
      const dayStart = DateTime.fromISO(day.date, { zone });
      const x1 = scale.x(Math.max(dayStart.toMillis(), Date.parse(result.window.start)));
      const x2 = scale.x(Math.min(dayStart.plus({ days: 1 }).toMillis(), Date.parse(result.window.end)));
      return `<rect class="closed" x="${fixed(x1)}" y="${MARGIN.top}" width="${fixed(Math.max(0, x2 - x1))}" height="${PLOT_HEIGHT}"><title>${escapeHtml(`${day.market} closed: ${day.reason}`)}</title></rect><text class="closed-label" x="${fixed((x1 + x2) / 2)}" y="${MARGIN.top + 12}" text-anchor="middle">${escapeHtml(`closed: ${day.reason}`)}</text>`;
    })
    .join('');

  const markers = result.timeline
    .filter((entry) => MARKER_KINDS.has(entry.kind))
    .filter((entry) => entry.reservationId === undefined || entry.reservationId === reservationId)
    .map((entry) => {
      const x = fixed(scale.x(entry.time));
      return `<line class="marker ${entry.kind}" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_HEIGHT}"><title>${escapeHtml(`${formatDualTime(entry.time, result.timeZone)} ${entry.text}`)}</title></line>`;
    })
    .join('');

  const completions = result.timeline
    .filter((entry) => entry.kind === 'completion' && entry.reservationId === reservationId)
    .map((entry) => {
      const at = Date.parse(entry.time);
      const before = series.filter((sample) => Date.parse(sample.time) <= at).at(-1);
      const y = scale.y(before?.point.lent ?? 0);
      return `<circle class="completion" cx="${fixed(scale.x(entry.time))}" cy="${fixed(y)}" r="3.5"><title>${escapeHtml(`${formatDualTime(entry.time, result.timeZone)} ${entry.text}`)}</title></circle>`;
    })
    .join('');

  const shortfalls = result.summary.shortfalls
    .filter((shortfall) => shortfall.reservationId === reservationId)
    .map((shortfall) => {
      const x1 = scale.x(shortfall.from);
      const x2 = scale.x(shortfall.until);
      const kind = shortfall.lateInstanceMinutes > 0 ? 'late' : 'reaction';
      return `<rect class="shortfall ${kind}" x="${fixed(x1)}" y="${MARGIN.top}" width="${fixed(Math.max(1.5, x2 - x1))}" height="${PLOT_HEIGHT}"><title>${escapeHtml(describeShortfall(result, shortfall))}</title></rect>`;
    })
    .join('');
  const needs = series.flatMap((entry) =>
    entry.point.need === undefined ? [] : [{ time: entry.time, value: entry.point.need }],
  );
  const need = stepPath(needs, scale, result.window.end);
  // What the source holds (owned − lent): the need is met while this line is at or above it.
  const held = stepPath(
    series.map((entry) => ({ time: entry.time, value: entry.point.owned - entry.point.lent })),
    scale,
    result.window.end,
  );
  const owned = stepPath(valuesOf('owned'), scale, result.window.end);
  const lent = stepPath(valuesOf('lent'), scale, result.window.end);
  const borrowed = stepPath(valuesOf('borrowed'), scale, result.window.end);
  const yTicks = [0, Math.round(maxCount / 2), maxCount]
    .map(
      (count) =>
        `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${fixed(scale.y(count))}" y2="${fixed(scale.y(count))}"/><text class="axis" x="${MARGIN.left - 6}" y="${fixed(scale.y(count) + 4)}" text-anchor="end">${count}</text>`,
    )
    .join('');
  const title = reservation
    ? `${reservation.name ?? reservation.id} · ${reservation.id} · ${reservation.instanceType} · ${reservation.region} ${reservation.availabilityZone}${market ? ` · ${market}` : ''}`
    : reservationId;

  return `<figure class="chart">
<figcaption>${escapeHtml(title)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" aria-label="${escapeHtml(`capacity of ${title}`)}" data-reservation="${escapeHtml(reservationId)}">
${closed}${sessions}${yTicks}${dayTicks(result, scale)}
<text class="axis axis-title" transform="translate(12 ${fixed(MARGIN.top + PLOT_HEIGHT / 2)}) rotate(-90)" text-anchor="middle">instances</text>
<path class="area-lent" d="${areaPath(lent, scale, result.window.start, result.window.end)}"/>
<path class="area-borrowed" d="${areaPath(borrowed, scale, result.window.start, result.window.end)}"/>
<path class="line-owned" data-series="owned" data-points="${series.length}" d="${owned}"/>
<path class="line-lent" data-series="lent" data-points="${series.length}" d="${lent}"/>
<path class="line-borrowed" data-series="borrowed" data-points="${series.length}" d="${borrowed}"/>
<path class="line-held" data-series="held" data-points="${series.length}" d="${held}"/>
<path class="line-need" data-series="need" data-points="${needs.length}" d="${need}"/>
${shortfalls}${markers}${completions}
</svg>
</figure>`;
}

function summaryCards(result: SimulationResult): string {
  const summary = result.summary;
  const unmet = summary.unmetNeedInstanceMinutes;
  const done = summary.reclaims.filter((reclaim) => reclaim.completedAt !== undefined);
  const margins = summary.reclaims.flatMap((reclaim) =>
    reclaim.marginMinutes === undefined ? [] : [reclaim.marginMinutes],
  );
  const cards: [string, string, string?][] = [
    ['late unmet need (instance-minutes)', String(round1(unmet.late)), unmet.late > 0 ? 'bad' : 'good'],
    [
      `reaction unmet need (instance-minutes; a reclaim takes ≤ ${round1(summary.reclaimSeconds / 60)} min)`,
      String(round1(unmet.reaction)),
    ],
    ['reclaims done', `${done.length}/${summary.reclaims.length}`],
    ['smallest margin before a bell', margins.length > 0 ? `${round1(Math.min(...margins))} min` : '—'],
    ['misses', String(summary.misses.length), summary.misses.length > 0 ? 'bad' : 'good'],
    ['stalls', String(summary.stalls.length), summary.stalls.length > 0 ? 'bad' : 'good'],
    ['lend-backs', String(summary.lendBacks.length)],
    ['lent instance-hours', String(round1(summary.lentInstanceHours.total))],
  ];
  if (summary.costAvoided !== undefined) {
    cards.push(['not paid for idle capacity', `$${summary.costAvoided.total.toFixed(2)}`, 'good']);
  }
  return cards
    .map(
      ([label, value, tone]) =>
        `<div class="card${tone ? ` ${tone}` : ''}"><div class="value">${escapeHtml(value)}</div><div class="label">${escapeHtml(label)}</div></div>`,
    )
    .join('');
}

function shortfallRows(result: SimulationResult): string {
  if (result.summary.shortfalls.length === 0)
    return '<tr><td colspan="5">none: every source held its need in every minute of every session</td></tr>';
  return result.summary.shortfalls
    .map((shortfall) => {
      const zone = reservationTimeZone(result, shortfall.reservationId);
      return `<tr${shortfall.lateInstanceMinutes > 0 ? ' class="bad"' : ''}><td>${escapeHtml(reservationLabel(result, shortfall.reservationId))}</td><td>${escapeHtml(`${formatLocalAndUtc(shortfall.from, zone)} → ${formatLocalAndUtc(shortfall.until, zone)}`)}</td><td>${shortfall.largestShort} (held ${shortfall.held} of ${shortfall.need})</td><td>${round1(shortfall.lateInstanceMinutes)}</td><td>${round1(shortfall.reactionInstanceMinutes)}</td></tr>`;
    })
    .join('\n');
}

function reclaimRows(result: SimulationResult): string {
  return result.summary.reclaims
    .map((reclaim) => {
      const margin =
        reclaim.marginMinutes === undefined
          ? reclaim.deadline === undefined
            ? 'no bell'
            : 'missed'
          : `${round1(reclaim.marginMinutes)} min`;
      const late = reclaim.marginMinutes !== undefined && reclaim.marginMinutes < 0;
      return `<tr${late || margin === 'missed' ? ' class="bad"' : ''}><td>${escapeHtml(formatDualTime(reclaim.requestedAt, result.timeZone))}</td><td>${escapeHtml(reservationLabel(result, reclaim.reservationId))}</td><td>${reclaim.from} → ${reclaim.to}</td><td>${escapeHtml(reclaim.trigger)}</td><td>${reclaim.durationMinutes === undefined ? 'not completed' : `${round1(reclaim.durationMinutes)} min`}</td><td>${escapeHtml(margin)}</td><td>${escapeHtml(reclaim.reason)}</td></tr>`;
    })
    .join('\n');
}

/** Per owner account and per borrower's heads-up, when the run has accounts besides the hub. */
function accountsSection(result: SimulationResult): string {
  const accounts = result.summary.accounts;
  if (accounts === undefined) return '';
  const owners = accounts.owners
    .map(
      (owner) =>
        `<tr${owner.misses + owner.lateInstanceMinutes > 0 ? ' class="bad"' : ''}><td>${escapeHtml(accountLabel(owner))}</td><td>${owner.reservations}</td><td>${owner.beforeBell} of ${owner.reclaimsForBell}</td><td>${owner.misses}</td><td>${round1(owner.lateInstanceMinutes)}</td><td>${owner.pages}</td></tr>`,
    )
    .join('\n');
  const notices = accounts.borrowers
    .flatMap((borrower) =>
      borrower.notices.map((notice) => {
        const zone = reservationTimeZone(result, notice.reservationId);
        const lead = (minutes: number | undefined, none: string) =>
          minutes === undefined ? none : `${round1(minutes)} min`;
        return `<tr><td>${escapeHtml(accountLabel(borrower))}</td><td class="time">${escapeHtml(formatLocalAndUtc(notice.receivedAt, zone))}</td><td>${escapeHtml(notice.detailType)}</td><td>${escapeHtml(reservationLabel(result, notice.reservationId))}</td><td>${escapeHtml(notice.ownerAccountId)}</td><td>${escapeHtml(lead(notice.minutesBeforeStart, '—'))}</td><td>${escapeHtml(lead(notice.minutesBeforeWarning, 'no warning'))}</td></tr>`;
      }),
    )
    .join('\n');
  const shared = accounts.borrowers
    .map(
      (borrower) =>
        `<li>${escapeHtml(`${accountLabel(borrower)}: ${borrower.shared.map((entry) => `${reservationLabel(result, entry.reservationId)} (${entry.accountId})`).join(', ') || 'nothing shared'}`)}</li>`,
    )
    .join('');
  return `<h2>Accounts</h2>
<table><thead><tr><th>owner account</th><th>reservations</th><th>reclaims for a bell back by it</th><th>misses</th><th>late instance-min</th><th>pages</th></tr></thead>
<tbody>
${owners}
</tbody></table>
${
  accounts.borrowers.length === 0
    ? ''
    : `<h2>Borrowers: the heads-up they received</h2>
<p class="sub">What RAM shared with each borrower account, and each notice its own bus handed to its drain, with its lead before the reclaim start and before EC2's first 2-minute warning of that reclaim.</p>
<ul>${shared}</ul>
<table><thead><tr><th>borrower</th><th>received (exchange time, UTC)</th><th>notice</th><th>reservation</th><th>owner</th><th>before the reclaim start</th><th>before EC2's warning</th></tr></thead>
<tbody>
${notices}
</tbody></table>`
}`;
}

function timelineRows(result: SimulationResult): string {
  return result.timeline
    .map(
      (entry) =>
        `<tr class="${entry.kind}"><td class="time">${escapeHtml(formatDualTime(entry.time, result.timeZone))}</td><td>${escapeHtml(entry.kind)}</td><td>${escapeHtml(reservationLabel(result, entry.reservationId))}</td><td>${escapeHtml(entry.text)}</td></tr>`,
    )
    .join('\n');
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; max-width: 1800px; color: #1f2933; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #52606d; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #d9e2ec; border-radius: 8px; padding: 10px 14px; min-width: 120px; }
.card .value { font-size: 22px; font-weight: 600; } .card .label { color: #52606d; font-size: 12px; }
.card.good .value { color: #2f855a; } .card.bad .value { color: #c53030; }
figure.chart { margin: 14px 0; } figcaption { font-weight: 600; margin-bottom: 2px; }
svg { width: 100%; height: auto; background: #fff; }
rect.session { fill: #fef3c7; } rect.session.early { fill: #fde68a; }
rect.closed { fill: #e5e7eb; } text.closed-label { font-size: 11px; fill: #6b7280; }
line.grid { stroke: #eef2f7; } line.day { stroke: #cbd2d9; stroke-dasharray: 2 3; }
text.axis { font-size: 11px; fill: #52606d; }
.area-lent { fill: #bfdbfe; fill-opacity: 0.7; } .area-borrowed { fill: #2563eb; fill-opacity: 0.45; }
.line-owned { fill: none; stroke: #111827; stroke-width: 2; }
.line-lent { fill: none; stroke: #3b82f6; stroke-width: 1.5; }
.line-borrowed { fill: none; stroke: #1e40af; stroke-width: 1.2; }
.line-need { fill: none; stroke: #ea580c; stroke-width: 1.6; stroke-dasharray: 5 3; }
.line-held { fill: none; stroke: #15803d; stroke-width: 1.4; }
rect.shortfall.late { fill: #dc2626; fill-opacity: 0.35; } rect.shortfall.reaction { fill: #f59e0b; fill-opacity: 0.3; }
line.marker { stroke-width: 1.5; stroke-dasharray: 4 2; } line.marker.alarm { stroke: #9333ea; }
line.marker.on-call { stroke: #0d9488; } line.marker.impairment { stroke: #dc2626; }
circle.completion { fill: #16a34a; stroke: #fff; stroke-width: 1; }
.legend span { display: inline-flex; align-items: center; gap: 4px; margin-right: 14px; font-size: 12px; color: #3e4c59; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef2f7; vertical-align: top; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
/* Names, times and counts stay on one line; only the free text (reasons, details) wraps. */
td:not(:last-child) { white-space: nowrap; }
text.axis-title { font-size: 12px; }
tr.bad td, tr.stall td, tr.failure td { color: #c53030; } tr.deadline-at-risk td { color: #b7791f; }
tr.completion td { color: #2f855a; }
footer { color: #7b8794; font-size: 12px; margin-top: 24px; }
`;

function formatWindow(result: SimulationResult): string {
  const day = (iso: string) =>
    DateTime.fromISO(iso, { zone: result.timeZone }).toFormat('ccc dd LLL yyyy HH:mm');
  return `${day(result.window.start)} → ${day(result.window.end)}`;
}

export function renderHtmlReport(result: SimulationResult): string {
  const reservationIds = result.reservations.map((reservation) => reservation.id);
  const charts = reservationIds.map((id) => chartFor(result, id)).join('\n');
  const legend = `<div class="legend">
<span><i style="background:#111827"></i>owned</span><span><i style="background:#15803d"></i>held in the source</span><span><i style="background:#ea580c"></i>need (the policy's, in the source)</span><span><i style="background:#bfdbfe"></i>lent</span>
<span><i style="background:#2563eb;opacity:.6"></i>borrowed (running)</span><span><i style="background:#fef3c7"></i>session</span>
<span><i style="background:#fde68a"></i>early close</span><span><i style="background:#e5e7eb"></i>closed</span>
<span><i style="background:#9333ea"></i>alarm</span><span><i style="background:#0d9488"></i>on-call</span>
<span><i style="background:#dc2626"></i>AZ impairment</span><span><i style="background:#dc2626;opacity:.35"></i>late unmet need</span><span><i style="background:#f59e0b;opacity:.3"></i>reaction unmet need</span><span><i style="background:#16a34a;border-radius:50%"></i>change completed</span></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`odcr-reclaimer sandbox: ${result.scenario.name}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(result.scenario.name)}</h1>
<p class="sub">${escapeHtml(result.scenario.description ?? '')} ${escapeHtml(`${formatWindow(result)}; times in ${result.timeZone} and UTC.`)}</p>
<section class="cards">${summaryCards(result)}</section>
<h2>Capacity over the window</h2>
${legend}
${charts}
<h2>Unmet need</h2>
<p class="sub">Minutes in a session when the source reservation held fewer instances than the policy's need, measured on the endpoint. <em>Reaction</em>: within one physical reclaim (${escapeHtml(String(round1(result.summary.reclaimSeconds / 60)))} min) of a raise inside the session by an alarm, an AZ impairment or on-call; <em>late</em>: everything else.</p>
<table><thead><tr><th>reservation</th><th>from → until (exchange time, UTC)</th><th>most short</th><th>late instance-min</th><th>reaction instance-min</th></tr></thead>
<tbody>
${shortfallRows(result)}
</tbody></table>
${accountsSection(result)}
<h2>Reclaims</h2>
<table><thead><tr><th>requested</th><th>reservation</th><th>allocation</th><th>trigger</th><th>took</th><th>margin before the bell</th><th>reason</th></tr></thead>
<tbody>
${reclaimRows(result)}
</tbody></table>
<h2>Timeline</h2>
<table><thead><tr><th>time</th><th>what</th><th>reservation</th><th>detail</th></tr></thead>
<tbody>
${timelineRows(result)}
</tbody></table>
<footer>${escapeHtml(`odcr-reclaimer sandbox · ${result.run.steps} steps · ${round1(result.run.simulatedDays)} simulated days in ${round1(result.run.wallMilliseconds / 1000)} s · config ${result.scenario.configFile.split('/').slice(-2).join('/')}`)}</footer>
</body>
</html>
`;
}
