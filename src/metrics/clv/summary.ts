export type CustomerId = string | number;
/** 'YYYY-MM-DD' or days since 1970-01-01. */
export type DayInput = string | number;

export interface Purchase {
  customerId: CustomerId;
  date: DayInput;
  amount: number;
}

export interface SummaryOptions {
  /** Last day of the calibration period (inclusive). */
  asOf: DayInput;
  /** Days per time unit of x's companions t_x and T (1 = days, 7 = weeks). Default 1. */
  daysPerUnit?: number;
  /** When set, also count each customer's purchase days in (asOf, holdoutEnd]. */
  holdoutEnd?: DayInput;
}

/** Per-customer calibration summary (lifetimes/BTYD convention), one entry per customer. */
export interface CustomerSummaries {
  ids: CustomerId[];
  /** Repeat purchase days (purchase days after the first). */
  x: Float64Array;
  /** First to last purchase day, in time units. */
  tx: Float64Array;
  /** First purchase day to asOf, in time units. */
  T: Float64Array;
  /** Mean amount of the repeat days (0 when x = 0). */
  monetary: Float64Array;
  /** Purchase days in (asOf, holdoutEnd]; present when holdoutEnd was given. */
  holdoutPurchases?: Float64Array;
  length: number;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date (or an epoch-day number, returned as is). */
export function toEpochDay(day: DayInput): number {
  if (typeof day === 'number') {
    if (!Number.isInteger(day)) throw new RangeError(`epoch day must be an integer, got ${day}`);
    return day;
  }
  if (day.length !== 10 || day[4] !== '-' || day[7] !== '-') throw new RangeError(`expected YYYY-MM-DD, got '${day}'`);
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const date = Number(day.slice(8, 10));
  const ms = Date.UTC(year, month - 1, date);
  const parsed = new Date(ms);
  if (!Number.isFinite(ms) || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== date) {
    throw new RangeError(`invalid date '${day}'`);
  }
  return ms / DAY_MS;
}

/**
 * Builds summaries from purchase rows fed in customer order and, within a customer, in date order
 * (the order a store can stream them in). Memory is proportional to the number of customers.
 */
export class SummaryBuilder {
  private readonly asOf: number;
  private readonly holdoutEnd: number;
  private readonly unit: number;
  private readonly trackHoldout: boolean;
  private ids: CustomerId[] = [];
  private x = new Float64Array(1024);
  private tx = new Float64Array(1024);
  private T = new Float64Array(1024);
  private monetary = new Float64Array(1024);
  private holdout: Float64Array;
  private count = 0;

  private current: CustomerId | undefined = undefined;
  private started = false;
  private firstDay = 0;
  private day = 0;
  private dayAmount = 0;
  private repeatDays = 0;
  private repeatAmount = 0;
  private holdoutDays = 0;
  private lastSeenDay = Number.NaN;
  private active = false;

  constructor(options: SummaryOptions) {
    this.asOf = toEpochDay(options.asOf);
    this.unit = options.daysPerUnit ?? 1;
    if (!(this.unit > 0)) throw new RangeError(`daysPerUnit must be > 0, got ${this.unit}`);
    this.trackHoldout = options.holdoutEnd !== undefined;
    this.holdout = new Float64Array(this.trackHoldout ? 1024 : 0);
    this.holdoutEnd = options.holdoutEnd === undefined ? this.asOf : toEpochDay(options.holdoutEnd);
    if (this.holdoutEnd < this.asOf) throw new RangeError('holdoutEnd must not be before asOf');
  }

  /** Adds one purchase; rows of a customer must be contiguous and in non-decreasing date order. */
  add(customerId: CustomerId, date: DayInput, amount: number): void {
    const day = toEpochDay(date);
    if (!this.started || customerId !== this.current) {
      this.flush();
      this.started = true;
      this.current = customerId;
      this.active = false;
      this.repeatDays = 0;
      this.repeatAmount = 0;
      this.holdoutDays = 0;
      this.lastSeenDay = Number.NaN;
    } else if (day < this.lastSeenDay) {
      throw new RangeError(`purchases of customer ${String(customerId)} are not in date order`);
    }
    const previousDay = this.lastSeenDay;
    this.lastSeenDay = day;
    if (day > this.asOf) {
      if (this.active && day <= this.holdoutEnd && day !== previousDay) this.holdoutDays++;
      return;
    }
    if (!this.active) {
      this.active = true;
      this.firstDay = day;
      this.day = day;
      this.dayAmount = amount;
    } else if (day === this.day) {
      this.dayAmount += amount;
    } else {
      if (this.day !== this.firstDay) {
        this.repeatDays++;
        this.repeatAmount += this.dayAmount;
      }
      this.day = day;
      this.dayAmount = amount;
    }
  }

  private flush(): void {
    if (!this.started || !this.active) return;
    let repeatDays = this.repeatDays;
    let repeatAmount = this.repeatAmount;
    if (this.day !== this.firstDay) {
      repeatDays++;
      repeatAmount += this.dayAmount;
    }
    if (this.count === this.x.length) this.grow();
    const i = this.count++;
    this.ids.push(this.current as CustomerId);
    this.x[i] = repeatDays;
    this.tx[i] = (this.day - this.firstDay) / this.unit;
    this.T[i] = (this.asOf - this.firstDay) / this.unit;
    this.monetary[i] = repeatDays > 0 ? repeatAmount / repeatDays : 0;
    if (this.trackHoldout) this.holdout[i] = this.holdoutDays;
    this.active = false;
  }

  private grow(): void {
    const size = this.x.length * 2;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.x = grow(this.x);
    this.tx = grow(this.tx);
    this.T = grow(this.T);
    this.monetary = grow(this.monetary);
    if (this.trackHoldout) this.holdout = grow(this.holdout);
  }

  finish(): CustomerSummaries {
    this.flush();
    this.started = false;
    const n = this.count;
    return {
      ids: this.ids,
      x: this.x.slice(0, n),
      tx: this.tx.slice(0, n),
      T: this.T.slice(0, n),
      monetary: this.monetary.slice(0, n),
      ...(this.trackHoldout ? { holdoutPurchases: this.holdout.slice(0, n) } : {}),
      length: n,
    };
  }
}

/** Summaries from purchases in any order; customers come out in order of first appearance. */
export function summarizePurchases(purchases: Iterable<Purchase>, options: SummaryOptions): CustomerSummaries {
  const byCustomer = new Map<CustomerId, { days: number[]; amounts: number[] }>();
  for (const p of purchases) {
    let entry = byCustomer.get(p.customerId);
    if (!entry) {
      entry = { days: [], amounts: [] };
      byCustomer.set(p.customerId, entry);
    }
    entry.days.push(toEpochDay(p.date));
    entry.amounts.push(p.amount);
  }
  const builder = new SummaryBuilder(options);
  for (const [id, { days, amounts }] of byCustomer) {
    const order = days.map((_, i) => i).sort((i, j) => days[i] - days[j]);
    for (const i of order) builder.add(id, days[i], amounts[i]);
  }
  return builder.finish();
}
