export * from './calendar.ts';
export type { CalendarYear, EarlyClose, ExchangeCalendarData } from './data.ts';
export { BUILT_IN_EXCHANGES } from './exchanges/index.ts';
export { XLON } from './exchanges/xlon.ts';
export { XNYS } from './exchanges/xnys.ts';
