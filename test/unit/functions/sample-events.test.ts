import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackerEventSchema } from '#functions/track-reclamation/schema.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { alarmStateChangeEventSchema, scheduledEventSchema } from '#shared/events/incoming.ts';
import { parseOnDemandRequest } from '#shared/on-demand/payload.ts';

// The sample events beside each handler are what on-call copies into `serverless invoke -p` and
// `npm run invoke -- --path`: each must pass the same validation the handler applies at the edge.
const config = loadConfigFile('config/example.json');
const sampleTime = new Date('2026-03-12T14:00:00Z');

function samples(functionName: string): [string, unknown][] {
  const folder = join('functions', functionName, 'events');
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file, JSON.parse(readFileSync(join(folder, file), 'utf8')) as unknown]);
}

const validators: Record<string, (event: unknown) => unknown> = {
  'reclaim-on-schedule': (event) => scheduledEventSchema().parse(event),
  'reclaim-on-alarm': (event) => alarmStateChangeEventSchema().parse(event),
  'reclaim-on-demand': (event) => parseOnDemandRequest(event, sampleTime, config),
  'track-reclamation': (event) => trackerEventSchema().parse(event),
};

describe('sample events', () => {
  for (const [functionName, validate] of Object.entries(validators)) {
    const events = samples(functionName);

    it(`${functionName} has sample events`, () => {
      expect(events.length).toBeGreaterThan(0);
    });

    it.each(events)(`${functionName}: %s passes the handler's validation`, (_file, event) => {
      expect(() => validate(event)).not.toThrow();
    });
  }
});
