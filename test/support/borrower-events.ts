/**
 * What the heads-up and sharing tests share: a heartbeat of reclaim-on-schedule at a simulated time, the
 * example config lent to borrowers, and the service's events of one kind as the endpoint recorded them.
 */
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import { type LocalService, lambdaContext, scheduledEvent, TRADING } from './local-service.ts';

/** The borrower account of the tests' lent reservation. */
export const BORROWER_ACCOUNT = '555555555555';

/** Sets the endpoint's clock to `at` (when given) and runs one schedule heartbeat with `config`. */
export async function heartbeat(local: LocalService, at?: string, config?: PolicyConfig): Promise<void> {
  if (at !== undefined) local.aws.setClock(at);
  const dependencies = config === undefined ? local.dependencies : { ...local.dependencies, config };
  await createHandler(dependencies)(scheduledEvent(local.aws), lambdaContext());
}

/** The example config with the trading reservation lent to `accounts` (BORROWER_ACCOUNT alone by default). */
export function lentToBorrowers(
  local: LocalService,
  zeroSizePreference: 'retain' | 'default',
  accounts: readonly string[] = [BORROWER_ACCOUNT],
): PolicyConfig {
  const base = JSON.parse(JSON.stringify(local.config)) as { reservations: Record<string, unknown>[] };
  return parseConfig({
    ...base,
    reservations: base.reservations.map((entry) =>
      entry.id === TRADING
        ? {
            ...entry,
            zeroSizePreference,
            borrowers: { accounts: [...accounts], organizationalUnits: [] },
          }
        : entry,
    ),
  });
}

/** The service's events whose detail-type `matches`, in order, with their time and detail. */
export function serviceEvents<Detail>(
  local: LocalService,
  matches: (detailType: string) => boolean,
): { detailType: string; time: string; detail: Detail }[] {
  return local.aws.admin
    .events({ source: 'odcr-reclaimer' })
    .events.filter((event) => matches(event['detail-type']))
    .map((event) => ({ detailType: event['detail-type'], time: event.time, detail: event.detail as Detail }));
}

/**
 * Puts the hub and `accounts` in one organization on the endpoint: the service's shares admit no external
 * principals, so a borrower outside the owner's organization is refused by RAM, as in AWS.
 */
export function organizeWithBorrowers(local: LocalService, accounts: readonly string[] = [BORROWER_ACCOUNT]) {
  local.aws.admin.ram.setOrganization({
    id: 'o-odcrexample1',
    managementAccountId: '123456789012',
    accounts: [...accounts],
  });
}
