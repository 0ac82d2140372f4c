import { matchesEventPattern, parseEventPattern } from '@odcr-reclaimer/local-aws/event-pattern.ts';
import { describe, expect, it } from 'vitest';

describe('matchesEventPattern', () => {
  const alarmEvent = {
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    detail: { alarmName: 'az-down', state: { value: 'ALARM' }, tags: ['a', 'b'] },
  };

  it('matches when every key allows the value', () => {
    expect(
      matchesEventPattern(
        { source: ['aws.cloudwatch'], detail: { alarmName: ['cpu-high', 'az-down'] } },
        alarmEvent,
      ),
    ).toBe(true);
    expect(
      matchesEventPattern({ source: ['aws.cloudwatch'], detail: { alarmName: ['cpu-high'] } }, alarmEvent),
    ).toBe(false);
    expect(matchesEventPattern({ source: ['aws.ec2'] }, alarmEvent)).toBe(false);
  });

  it('supports prefix, anything-but, exists, numeric and array values', () => {
    expect(matchesEventPattern({ detail: { alarmName: [{ prefix: 'az-' }] } }, alarmEvent)).toBe(true);
    expect(
      matchesEventPattern({ detail: { alarmName: [{ 'anything-but': ['az-down'] }] } }, alarmEvent),
    ).toBe(false);
    expect(matchesEventPattern({ detail: { missing: [{ exists: false }] } }, alarmEvent)).toBe(true);
    expect(matchesEventPattern({ detail: { tags: ['b'] } }, alarmEvent)).toBe(true);
    expect(matchesEventPattern({ n: [{ numeric: ['>', 1, '<=', 5] }] }, { n: 5 })).toBe(true);
    expect(matchesEventPattern({ n: [{ numeric: ['>', 1, '<=', 5] }] }, { n: 6 })).toBe(false);
  });

  it('matches a missing field only with exists false, and null only with a null value', () => {
    expect(matchesEventPattern({ detail: { missing: [null] } }, alarmEvent)).toBe(false);
    expect(matchesEventPattern({ detail: { empty: [null] } }, { detail: { empty: null } })).toBe(true);
    expect(matchesEventPattern({ detail: { alarmName: [{ exists: false }] } }, alarmEvent)).toBe(false);
  });

  it('supports equals-ignore-case, wildcard and anything-but a prefix', () => {
    expect(
      matchesEventPattern({ detail: { alarmName: [{ 'equals-ignore-case': 'AZ-DOWN' }] } }, alarmEvent),
    ).toBe(true);
    expect(matchesEventPattern({ detail: { alarmName: [{ wildcard: 'az-*' }] } }, alarmEvent)).toBe(true);
    expect(
      matchesEventPattern({ detail: { alarmName: [{ 'anything-but': { prefix: 'az-' } }] } }, alarmEvent),
    ).toBe(false);
  });
});

describe('parseEventPattern', () => {
  it('refuses a filter outside the served subset instead of matching it loosely', () => {
    expect(() => parseEventPattern('{"source":[{"cidr":"10.0.0.0/8"}]}')).toThrow('unsupported filter');
    expect(() => parseEventPattern('{"source":"aws.ec2"}')).toThrow('must be an array or an object');
    expect(() => parseEventPattern('not json')).toThrow('not JSON');
  });

  it('returns the pattern it checked', () => {
    expect(parseEventPattern('{"source":["aws.ec2"]}')).toEqual({ source: ['aws.ec2'] });
  });
});
