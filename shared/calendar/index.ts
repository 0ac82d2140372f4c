export * from './calendar.ts';
export type { CalendarYear, EarlyClose, ExchangeCalendarData } from './data.ts';
export { XLON, XNYS } from './data.ts';
