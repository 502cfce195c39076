/**
 * What Grafana and the ClickHouse data source plugin (grafana-clickhouse-datasource) do to a panel's
 * SQL before ClickHouse sees it, as a pure function, so tests can run every panel's query for a time
 * range. Three passes in the plugin's order:
 *
 * 1. `$__conditionalAll(condition, $var)` (the plugin's frontend): `1=1` when the variable's current
 *    value is All (`$__all`) or empty, else the condition as written.
 * 2. Template variables (Grafana's template service with the plugin's format function): `$var`,
 *    `${var}`, `[[var]]`, `${var:format}`; a multi-value selection becomes `'a','b'` (values quoted,
 *    not escaped), a single value is inserted raw; All becomes every option (quoted) or the custom
 *    all value (raw); built-ins `$__from`, `$__to` (ms), `$__interval`, `$__interval_ms`, `$__range_s`.
 * 3. The plugin's backend macros: `$__timeFilter(c)`, `$__timeFilter_ms(c)`, `$__dateFilter(c)`,
 *    `$__dateTimeFilter(d, t)` (alias `$__dt`), `$__fromTime`, `$__toTime`, `$__fromTime_ms`,
 *    `$__toTime_ms`, `$__timeInterval(c)`, `$__timeInterval_ms(c)`, `$__interval_s`. Arguments are
 *    split at every comma and trimmed, as the plugin does; a wrong argument count is an error.
 *
 * Deliberately stricter than Grafana: a reference to a variable that is not given, or an unknown
 * `$__` macro, throws instead of reaching ClickHouse as literal text.
 */
import { StadionError } from '../../engine/errors.ts';

/** The dashboard time range, in ms since the epoch. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The current selection of one template variable. */
export type VariableSelection =
  /** A single-value variable: inserted raw, so SQL quotes it itself (`'${session}'`). */
  | { readonly kind: 'value'; readonly value: string }
  /** A multi-value variable with some values selected: `'a','b'`. */
  | { readonly kind: 'values'; readonly values: readonly string[] }
  /** All selected: every option quoted, or `allValue` raw when the variable has a custom one. */
  | { readonly kind: 'all'; readonly options: readonly string[]; readonly allValue?: string };

export interface ExpandOptions {
  readonly range: TimeRange;
  /**
   * The panel's interval (Grafana's `$__interval`), ms.
   * @default {@link grafanaIntervalMs} of the range and `maxDataPoints`
   */
  readonly intervalMs?: number;
  /**
   * The panel's resolution used to derive the interval (Grafana uses the panel width in pixels).
   * @default DEFAULT_MAX_DATA_POINTS
   */
  readonly maxDataPoints?: number;
  /**
   * The panel's minimum interval (its `interval` option), ms.
   * @default 1
   */
  readonly minIntervalMs?: number;
  /**
   * Current selections by variable name.
   * @default {}
   */
  readonly variables?: Readonly<Record<string, VariableSelection>>;
}

/** Resolution assumed when none is given: about the width in pixels of a full-width panel. */
export const DEFAULT_MAX_DATA_POINTS = 1000;

/** The three passes in order: conditional All, template variables, backend macros. */
export function expandClickHouseQuery(sql: string, options: ExpandOptions): string {
  const intervalMs =
    options.intervalMs ??
    grafanaIntervalMs(
      options.range,
      options.maxDataPoints ?? DEFAULT_MAX_DATA_POINTS,
      options.minIntervalMs ?? 1,
    );
  const variables = options.variables ?? {};
  const withConditions = applyConditionalAll(sql, variables);
  const interpolated = interpolateVariables(withConditions, variables, options.range, intervalMs);
  return applyMacros(interpolated, options.range, intervalMs);
}

/** Pass 1: `$__conditionalAll(condition, $var)`, innermost-last like the plugin (it works from the end). */
export function applyConditionalAll(
  sql: string,
  variables: Readonly<Record<string, VariableSelection>>,
): string {
  const macro = '$__conditionalAll(';
  let result = sql;
  let index = result.lastIndexOf(macro);
  while (index !== -1) {
    const openAt = index + macro.length - 1;
    const parsed = macroArguments(result, openAt);
    if (parsed === undefined || parsed.args.length !== 2) {
      throw new StadionError(
        'CONFIG_INVALID',
        `$__conditionalAll needs 2 arguments (condition, $variable): ${result.slice(index, index + 80)}`,
      );
    }
    const [condition = '', variableArg = ''] = parsed.args;
    const name = /\$\{(\w+)\}|\$(\w+)/.exec(variableArg.trim());
    const variableName = name?.[1] ?? name?.[2];
    let phrase = condition;
    if (variableName !== undefined) {
      const selection = variables[variableName];
      if (selection === undefined) throw unknownVariable(variableName);
      if (selection.kind === 'all' || (selection.kind === 'value' && selection.value === '')) phrase = '1=1';
    }
    result = result.slice(0, index) + phrase + result.slice(parsed.endAt + 1);
    index = result.lastIndexOf(macro);
  }
  return result;
}

/**
 * The arguments of a call whose `(` is at `openAt`, split at commas at the call's own depth (the
 * plugin's frontend rule, used for `$__conditionalAll`); `endAt` is the index of the closing `)`.
 */
function macroArguments(text: string, openAt: number): { args: string[]; endAt: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let argStart = openAt + 1;
  for (let i = openAt; i < text.length; i += 1) {
    const char = text[i];
    if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    if (char === ',' && depth === 1) {
      args.push(text.slice(argStart, i));
      argStart = i + 1;
    }
    if (depth === 0) {
      args.push(text.slice(argStart, i));
      return { args, endAt: i };
    }
  }
  return undefined;
}

const VARIABLE_PATTERN = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

/** Pass 2: template variables and Grafana's built-ins. Names starting `__` that are not built-ins are left for pass 3. */
export function interpolateVariables(
  sql: string,
  variables: Readonly<Record<string, VariableSelection>>,
  range: TimeRange,
  intervalMs: number,
): string {
  const builtins: Readonly<Record<string, string>> = {
    __from: String(range.fromMs),
    __to: String(range.toMs),
    __interval: formatInterval(intervalMs),
    __interval_ms: String(intervalMs),
    __range_ms: String(range.toMs - range.fromMs),
    __range_s: String(Math.round((range.toMs - range.fromMs) / 1000)),
  };
  return sql.replace(
    VARIABLE_PATTERN,
    (
      match: string,
      plain?: string,
      bracket?: string,
      bracketFormat?: string,
      braced?: string,
      format?: string,
    ) => {
      const name = plain ?? bracket ?? braced ?? '';
      const builtin = builtins[name];
      if (builtin !== undefined) return builtin;
      if (name.startsWith('__')) return match;
      const selection = variables[name];
      if (selection === undefined) throw unknownVariable(name);
      return formatSelection(selection, format ?? bracketFormat);
    },
  );
}

function formatSelection(selection: VariableSelection, format: string | undefined): string {
  if (selection.kind === 'all' && selection.allValue !== undefined) return selection.allValue;
  const value: string | readonly string[] =
    selection.kind === 'value'
      ? selection.value
      : selection.kind === 'values'
        ? selection.values
        : selection.options;
  const list = typeof value === 'string' ? [value] : value;
  switch (format) {
    case undefined:
      // The plugin's format function: arrays quoted and joined, single values raw.
      return typeof value === 'string' ? value : `'${value.join("','")}'`;
    case 'raw':
    case 'csv':
      return list.join(',');
    case 'pipe':
      return list.join('|');
    case 'singlequote':
      return list.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return list.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'sqlstring':
      return list.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    default:
      throw new StadionError('CONFIG_INVALID', `unsupported variable format "${format}"`);
  }
}

type Macro = (args: readonly string[], range: TimeRange, intervalMs: number) => string;

const toDate = (ms: number): string => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
const toDateTime = (ms: number): string => `toDateTime(${Math.floor(ms / 1000)})`;
const toDateTime64 = (ms: number): string => `fromUnixTimestamp64Milli(${Math.trunc(ms)})`;
const intervalSeconds = (intervalMs: number): number => Math.trunc(Math.max(intervalMs / 1000, 1));

function arity(name: string, args: readonly string[], count: number): void {
  if (args.length !== count)
    throw new StadionError(
      'CONFIG_INVALID',
      `$__${name} expects ${count} argument(s), got ${args.length}: (${args.join(',')})`,
    );
}

const dateTimeFilter: Macro = (args, range) => {
  arity('dateTimeFilter', args, 2);
  const [date = '', time = ''] = args;
  return (
    `(${date} >= ${toDate(range.fromMs)} AND ${date} <= ${toDate(range.toMs)}) AND ` +
    `(${time} >= ${toDateTime(range.fromMs)} AND ${time} <= ${toDateTime(range.toMs)})`
  );
};

/** The backend macros, by name (without `$__`). */
export const CLICKHOUSE_MACROS: Readonly<Record<string, Macro>> = {
  fromTime: (_args, range) => toDateTime(range.fromMs),
  toTime: (_args, range) => toDateTime(range.toMs),
  fromTime_ms: (_args, range) => toDateTime64(range.fromMs),
  toTime_ms: (_args, range) => toDateTime64(range.toMs),
  timeFilter: (args, range) => {
    arity('timeFilter', args, 1);
    const [c = ''] = args;
    return `${c} >= ${toDateTime(range.fromMs)} AND ${c} <= ${toDateTime(range.toMs)}`;
  },
  timeFilter_ms: (args, range) => {
    arity('timeFilter_ms', args, 1);
    const [c = ''] = args;
    return `${c} >= ${toDateTime64(range.fromMs)} AND ${c} <= ${toDateTime64(range.toMs)}`;
  },
  dateFilter: (args, range) => {
    arity('dateFilter', args, 1);
    const [c = ''] = args;
    return `${c} >= ${toDate(range.fromMs)} AND ${c} <= ${toDate(range.toMs)}`;
  },
  dateTimeFilter,
  dt: dateTimeFilter,
  timeInterval: (args, _range, intervalMs) => {
    arity('timeInterval', args, 1);
    return `toStartOfInterval(toDateTime(${args[0] ?? ''}), INTERVAL ${intervalSeconds(intervalMs)} second)`;
  },
  timeInterval_ms: (args, _range, intervalMs) => {
    arity('timeInterval_ms', args, 1);
    const ms = Math.trunc(Math.max(intervalMs, 1));
    return `toStartOfInterval(toDateTime64(${args[0] ?? ''}, 3), INTERVAL ${ms} millisecond)`;
  },
  interval_s: (_args, _range, intervalMs) => String(intervalSeconds(intervalMs)),
};

/**
 * Pass 3: `$__name` or `$__name(args)` (the `(` right after the name), arguments split at every comma
 * and trimmed (the backend does not look at nesting, so a macro argument cannot contain a comma).
 */
export function applyMacros(sql: string, range: TimeRange, intervalMs: number): string {
  let result = '';
  let rest = sql;
  for (;;) {
    const match = /\$__(\w+)/.exec(rest);
    if (match === null) return result + rest;
    const name = match[1] ?? '';
    const macro = CLICKHOUSE_MACROS[name];
    if (macro === undefined)
      throw new StadionError('CONFIG_INVALID', `unknown macro $__${name} in: ${sql.slice(0, 200)}`);
    let end = match.index + match[0].length;
    let args: string[] = [];
    if (rest[end] === '(') {
      const close = matchingParen(rest, end);
      if (close === undefined) throw new StadionError('CONFIG_INVALID', `unclosed $__${name}(`);
      args = rest
        .slice(end + 1, close)
        .split(',')
        .map((arg) => arg.trim());
      end = close + 1;
    }
    result += rest.slice(0, match.index) + macro(args, range, intervalMs);
    rest = rest.slice(end);
  }
}

function matchingParen(text: string, openAt: number): number | undefined {
  let depth = 0;
  for (let i = openAt; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

/** Grafana's rounding of raw intervals to readable ones (upper bound of the raw interval, result), ms. */
const ROUNDED_INTERVALS: ReadonlyArray<readonly [number, number]> = [
  [10, 1],
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1_500, 1_000],
  [3_500, 2_000],
  [7_500, 5_000],
  [12_500, 10_000],
  [17_500, 15_000],
  [25_000, 20_000],
  [45_000, 30_000],
  [90_000, 60_000],
  [210_000, 120_000],
  [450_000, 300_000],
  [750_000, 600_000],
  [1_050_000, 900_000],
  [1_500_000, 1_200_000],
  [2_700_000, 1_800_000],
  [5_400_000, 3_600_000],
  [9_000_000, 7_200_000],
  [16_200_000, 10_800_000],
  [32_400_000, 21_600_000],
  [86_400_000, 43_200_000],
  [604_800_000, 86_400_000],
  [1_814_400_000, 604_800_000],
  [3_628_800_000, 2_592_000_000],
];

/** Grafana's panel interval: the range over the resolution, rounded, at least the minimum interval. */
export function grafanaIntervalMs(range: TimeRange, maxDataPoints: number, minIntervalMs = 1): number {
  const raw = (range.toMs - range.fromMs) / Math.max(maxDataPoints, 1);
  const rounded = ROUNDED_INTERVALS.find(([upTo]) => raw <= upTo)?.[1] ?? 31_536_000_000;
  return Math.max(rounded, minIntervalMs);
}

/** `$__interval` as Grafana prints it: the largest whole unit (`1m`, `20s`, `500ms`). */
export function formatInterval(intervalMs: number): string {
  const seconds = intervalMs / 1000;
  const units: ReadonlyArray<readonly [number, string]> = [
    [31_536_000, 'y'],
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size) return `${Math.floor(seconds / size)}${unit}`;
  }
  return `${Math.floor(intervalMs)}ms`;
}

function unknownVariable(name: string): StadionError {
  return new StadionError(
    'CONFIG_INVALID',
    `the query uses $${name}, which is not a variable of the dashboard`,
  );
}
