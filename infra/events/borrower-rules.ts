/**
 * Who may put rules on the service's event bus to hear its events (`Reclaim Scheduled` and the rest): the
 * borrower accounts of the config (`headsUp.borrowerAccounts` and each reservation's `borrowers.accounts`;
 * OUs and organizations are shared with through RAM but not admitted here). The bus policy (serverless.yml, statement `BorrowersManageTheirOwnRules`)
 * admits their roots for rule management only, each for the rules it created (EventBridge's
 * `events:creatorAccount` condition: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html).
 */
import type { PolicyConfig } from '#shared/config/schema.ts';
import { borrowerAccounts } from '#shared/config/sharing.ts';

/** The accounts that may subscribe: the heads-up's and every reservation's borrower accounts, each once. */
export function subscriberAccounts(config: Pick<PolicyConfig, 'headsUp' | 'reservations'>): string[] {
  return borrowerAccounts(config);
}

type SubArn = { 'Fn::Sub': string };

/**
 * The statement's principals: each borrower account's root. With no borrower, the hub's own root, which in a
 * resource policy only defers to the account's own IAM and so admits nobody new (a statement needs a principal).
 */
export function borrowerRulePrincipals(config: Pick<PolicyConfig, 'headsUp' | 'reservations'>): SubArn[] {
  const accounts = subscriberAccounts(config);
  if (accounts.length === 0) return [{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` }];
  return accounts.map((account) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:root` }));
}

/**
 * IAM's `${aws:PrincipalAccount}` policy variable, spelled so that neither the Serverless Framework (which would
 * read `${aws:...}` as its own variable) nor Fn::Sub touches it: CloudFormation joins it into the literal.
 */
export const PRINCIPAL_ACCOUNT_VARIABLE = { 'Fn::Join': ['', ['$', '{aws:PrincipalAccount}']] };
