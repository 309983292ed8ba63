/**
 * The scheduled jobs: one `sst.aws.Cron` per cron manifest entry, its five-field UTC schedule
 * converted to AWS's six-field `cron(...)` (`awsSchedule`), its function built like every other
 * (`functionArgs`, the `job` class). SST's Cron evaluates schedules in UTC, as the manifest means.
 */
import type { CronDefinition } from "#core/cron/definition.ts";
import { crons as manifestCrons } from "../functions/crons.ts";
import { componentName, functionArgs, type FunctionContext } from "./functions.ts";

const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MINUTE: Field = { name: "minute", min: 0, max: 59 };
const HOUR: Field = { name: "hour", min: 0, max: 23 };
const DAY_OF_MONTH: Field = { name: "day of month", min: 1, max: 31 };
const MONTH: Field = { name: "month", min: 1, max: 12, names: MONTH_NAMES };
/** 0 and 7 are both Sunday in standard cron. */
const DAY_OF_WEEK: Field = { name: "day of week", min: 0, max: 7, names: DAY_NAMES };

function value(text: string, field: Field, schedule: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const number = named >= 0 ? named + (field === MONTH ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(number >= field.min && number <= field.max)) {
    throw new Error(`cron "${schedule}": ${field.name} "${text}" is not in ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ""}`);
  }
  return number;
}

/** Every value a standard cron field matches (`*`, `n`, `a-b`, `*\/s`, `a-b/s`, `n/s`, lists). */
function expand(text: string, field: Field, schedule: string): number[] {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new Error(`cron "${schedule}": ${field.name} "${part}" is not a cron field`);
    const [, range, stepText] = match;
    const bounds = range === "*" ? [String(field.min), String(field.max)] : range.split("-");
    const from = value(bounds[0], field, schedule);
    // `n/s` runs from n to the field's end.
    const to = bounds.length > 1 ? value(bounds[1], field, schedule) : stepText ? field.max : from;
    const step = stepText ? Number(stepText) : 1;
    if (step < 1 || from > to) throw new Error(`cron "${schedule}": ${field.name} "${part}" matches nothing`);
    for (let current = from; current <= to; current += step) values.add(current);
  }
  return [...values].sort((a, b) => a - b);
}

/** Minute, hour, day of month, month: the same syntax in AWS, but `*\/s` is written from the first value. */
function numericField(text: string, field: Field, schedule: string): string {
  expand(text, field, schedule); // refuses what standard cron would refuse
  if (text === "*") return "*";
  const everyStep = /^\*\/(\d+)$/.exec(text);
  if (everyStep) return `${field.min}/${everyStep[1]}`;
  // Ranges with steps and names are spelled out, which every AWS parser reads alike.
  return /[/A-Za-z]/.test(text) ? expand(text, field, schedule).join(",") : text;
}

/** Day of week: standard 0-7 (0 and 7 Sunday) becomes AWS's names, consecutive days as ranges. */
function dayOfWeekField(text: string, schedule: string): string {
  const days = [...new Set(expand(text, DAY_OF_WEEK, schedule).map((day) => day % 7))].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const day of days) {
    const last = runs.at(-1);
    if (last && last[1] === day - 1) last[1] = day;
    else runs.push([day, day]);
  }
  return runs.map(([from, to]) => (from === to ? DAY_NAMES[from] : `${DAY_NAMES[from]}-${DAY_NAMES[to]}`)).join(",");
}

/**
 * A five-field standard cron expression (UTC) as AWS's `cron(minutes hours day-of-month month
 * day-of-week year)`. AWS wants `?` in one of day of month and day of week; standard cron runs on
 * either when both are restricted, which AWS cannot say, so that is refused.
 *
 * @example
 * awsSchedule("30 3 * * *");   // "cron(30 3 * * ? *)"
 * awsSchedule("0 9 * * 1-5");  // "cron(0 9 ? * MON-FRI *)"
 */
export function awsSchedule(schedule: string): `cron(${string})` {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron "${schedule}": needs 5 fields (minute hour day-of-month month day-of-week)`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  if (dayOfMonth !== "*" && dayOfWeek !== "*") {
    throw new Error(`cron "${schedule}": restricts both day of month and day of week (either may match), which AWS cron cannot express; split it into two jobs`);
  }
  const days = dayOfWeek === "*"
    ? [numericField(dayOfMonth, DAY_OF_MONTH, schedule), "?"]
    : ["?", dayOfWeekField(dayOfWeek, schedule)];
  return `cron(${numericField(minute, MINUTE, schedule)} ${numericField(hour, HOUR, schedule)} ${days[0]} ${numericField(month, MONTH, schedule)} ${days[1]} *)`;
}

export function createCrons({ context, crons = manifestCrons }: { context: FunctionContext; crons?: CronDefinition[] }): sst.aws.Cron[] {
  return crons.map((job) => new sst.aws.Cron(`${componentName(job.name)}Cron`, {
    schedule: awsSchedule(job.schedule),
    function: functionArgs(job.handler, "job", context, `${job.name}: ${job.description}`),
  }));
}
