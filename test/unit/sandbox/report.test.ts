import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '#sandbox/report/html.ts';
import { formatDualTime, formatSummary, formatTimeline } from '#sandbox/report/terminal.ts';
import { sampleResult } from './sample-result.ts';

/** Each of `lines` stands in `text` (a failure names the one missing). */
function expectEachIn(text: string, lines: readonly string[]): void {
  for (const line of lines) expect(text, line).toContain(line);
}

describe('terminal timeline', () => {
  it('shows each line in the exchange time zone and UTC', () => {
    expect(formatDualTime('2026-03-09T13:05:00.000Z', 'America/New_York')).toMatch(
      /^Mon 09 Mar 09:05 EDT \(13:05Z\)\s*$/,
    );
    expect(formatDualTime('2026-03-06T14:05:00.000Z', 'America/New_York')).toMatch(
      /^Fri 06 Mar 09:05 EST \(14:05Z\)\s*$/,
    );
  });

  it('names reservations by their config name, one line per entry, no colour unless asked', () => {
    const lines = formatTimeline(sampleResult()).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('xnys-trading-r7i: 60 → 0 (schedule)');
    expect(lines[3]).toContain('STALLED');
    expect(formatTimeline(sampleResult())).not.toContain('\u001b[');
    expect(formatTimeline(sampleResult(), { color: true })).toContain('\u001b[');
  });
});

describe('terminal summary', () => {
  it('reports reclaims, margins, misses, stalls, lent hours and cost', () => {
    expectEachIn(formatSummary(sampleResult()), [
      'reclaims done:        1 of 2 requested; 1 for a bell, 1 before it (smallest margin 10 min)',
      'misses:               0',
      'stalls:               1',
      'lent instance-hours:  993',
      'cost not paid for idle capacity: $993.00',
      '60→0: 15 min, 10 min before the bell',
      'no bell (alarm)',
    ]);
  });

  it('shows the window in the exchange zone with UTC, as every other time', () => {
    expect(formatSummary(sampleResult()).split('\n')[0]).toBe(
      'Summary: Sample <day> (Mon 09 Mar 2026 00:00 EDT (04:00Z) → Tue 10 Mar 2026 00:00 EDT (04:00Z))',
    );
  });
});

describe('renderHtmlReport', () => {
  it('is self-contained: no script, no external resource', () => {
    const html = renderHtmlReport(sampleResult());
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('escapes text from the scenario', () => {
    const html = renderHtmlReport(sampleResult());
    expect(html).toContain('Sample &lt;day&gt;');
    expect(html).toContain('a day &amp; a night');
  });

  it('draws a chart per reservation with the series, the sessions and the completions', () => {
    const html = renderHtmlReport(sampleResult());
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html).toContain('data-series="owned" data-points="5"');
    expect(html.match(/<rect class="session"/g)).toHaveLength(1);
    expect(html.match(/<circle class="completion"/g)).toHaveLength(1);
    expect(html.match(/<line class="marker alarm"/g)).toHaveLength(1);
    // The lent line steps from 60 down to 30 at the first reclaim: two path points at the same x.
    const lent = /data-series="lent" data-points="5" d="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(lent.split(' ').length).toBeGreaterThan(5);
  });
});

describe('the unmet-need verdict in the reports', () => {
  it('gives the totals in the terminal, and each late shortfall with its reservation, local time, UTC and size', () => {
    const text = formatSummary(sampleResult());
    expectEachIn(text, [
      'unmet need:           45 instance-minutes in sessions: late 30, reaction 15 (a reclaim takes up to 3.8 min here)',
      'LATE: the source held fewer instances than the policy needed:',
      'xnys-trading-r7i (cr-0123456789abcdef0, us-east-1a): short by up to 10 (held 90 of the 100 needed) from Mon 09 Mar 09:30 EDT (13:30Z) to Mon 09 Mar 09:33 EDT (13:33Z): 30 late instance-minutes',
    ]);
    // A reaction-only shortfall is in the totals, not among the late ones.
    expect(text).not.toContain('11:00 EDT');
  });

  it('draws the need as a line on each chart and shades each shortfall', () => {
    const html = renderHtmlReport(sampleResult());
    const need = /<path class="line-need" data-series="need" data-points="5" d="([^"]+)"/.exec(html)?.[1];
    // 40 off-hours, 100 from the pre-open reclaim, 40 after the close, 100 again at the alarm: steps.
    expect(need?.split(' ').length).toBeGreaterThan(6);
    expect(html.match(/<rect class="shortfall late"/g)).toHaveLength(1);
    expect(html.match(/<rect class="shortfall reaction"/g)).toHaveLength(1);
    expect(html).toContain('late unmet need (instance-minutes)');
    expect(html).toMatch(/<tr class="bad"><td>xnys-trading-r7i<\/td><td>Mon 09 Mar 09:30 EDT \(13:30Z\)/);
  });
});
