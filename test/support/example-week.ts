/**
 * The moments of the example fleet's week the reclaim tests start their endpoint at: Wednesday 12 and Thursday
 * 13 March 2025 on XNYS (New York on summer time since Sunday), each named for what the example config makes
 * of it. One statement of them, so that a test's "before the open" is the same minute as every other test's.
 */

/** Wednesday 09:06 New York: inside the lead before the 09:30 open, the trading fleet's reclaim is due. */
export const WEDNESDAY_BEFORE_OPEN = '2025-03-12T13:06:00Z';

/** Wednesday 16:05 New York, after the close: the trading fleet's 60 are due to be lent back. */
export const WEDNESDAY_AFTER_CLOSE = '2025-03-12T20:05:00Z';

/** Wednesday 18:00 New York, after the close: the example fleet is lent (60 of TRADING), as seeded. */
export const OFF_HOURS = '2025-03-12T22:00:00Z';

/** Thursday 09:06 New York: the reclaim before the 09:30 open wants all of TRADING back. */
export const THURSDAY_BEFORE_OPEN = '2025-03-13T13:06:00Z';
