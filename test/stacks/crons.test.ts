/**
 * `awsSchedule`: the cron manifest's five-field UTC expressions in AWS's six-field `cron(...)`
 * form, with `?` in the unused day field and days of the week renumbered (standard 0-7 with
 * Sunday as 0 and 7, AWS 1-7 from Sunday, written here by name). Day names are cross-checked
 * against croner, the local scheduler's parser.
 */
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { crons } from "../../functions/crons.ts";
import { awsSchedule } from "../../stacks/crons.ts";

const AWS_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

describe("awsSchedule", () => {
  it.each([
    ["* * * * *", "cron(* * * * ? *)"],
    ["30 3 * * *", "cron(30 3 * * ? *)"],
    ["*/5 * * * *", "cron(0/5 * * * ? *)"],
    ["0 */6 * * *", "cron(0 0/6 * * ? *)"],
    ["0-30/10 * * * *", "cron(0,10,20,30 * * * ? *)"],
    ["15 10 1,15 * *", "cron(15 10 1,15 * ? *)"],
    ["0 0 */2 * *", "cron(0 0 1/2 * ? *)"],
    ["0 0 1 */3 *", "cron(0 0 1 1/3 ? *)"],
    ["0 0 1 jan,JUL *", "cron(0 0 1 1,7 ? *)"],
    ["0 9 * * 1-5", "cron(0 9 ? * MON-FRI *)"],
    ["0 9 * * mon-fri", "cron(0 9 ? * MON-FRI *)"],
    ["0 0 * * 0", "cron(0 0 ? * SUN *)"],
    ["0 0 * * 7", "cron(0 0 ? * SUN *)"],
    ["0 0 * * 6", "cron(0 0 ? * SAT *)"],
    ["0 0 * * 5-7", "cron(0 0 ? * SUN,FRI-SAT *)"],
    ["0 0 * * 0,3", "cron(0 0 ? * SUN,WED *)"],
    ["0 0 * * */2", "cron(0 0 ? * SUN,TUE,THU,SAT *)"],
  ])("writes %s as %s", (schedule, expected) => {
    expect(awsSchedule(schedule)).toBe(expected);
  });

  it("names the weekday croner runs each standard day number on", () => {
    for (let day = 0; day <= 7; day += 1) {
      const next = new Cron(`0 12 * * ${day}`, { timezone: "UTC", paused: true }).nextRun(new Date("2026-01-01T00:00:00Z"))!;

      expect(awsSchedule(`0 12 * * ${day}`)).toBe(`cron(0 12 ? * ${AWS_DAYS[next.getUTCDay()]} *)`);
    }
  });

  it.each([
    ["0 0 1 * 1", /both day of month and day of week/],
    ["0 0 * *", /needs 5 fields/],
    ["60 * * * *", /minute "60" is not in 0-59/],
    ["0 24 * * *", /hour "24" is not in 0-23/],
    ["0 0 * * 8", /day of week "8" is not in 0-7 or SUN-SAT/],
    ["0 0 1 FOO *", /month "FOO" is not in 1-12 or JAN-DEC/],
    ["@daily", /needs 5 fields/],
    ["0 0 L * *", /day of month "L" is not in 1-31/],
    ["0 0 ? * *", /day of month "\?" is not a cron field/],
    ["5-1 * * * *", /minute "5-1" matches nothing/],
  ])("refuses %s", (schedule, message) => {
    expect(() => awsSchedule(schedule)).toThrow(message);
  });

  it("converts every job of the cron manifest", () => {
    for (const job of crons) expect(awsSchedule(job.schedule)).toMatch(/^cron\(\S+ \S+ \S+ \S+ \S+ \*\)$/);
  });
});
