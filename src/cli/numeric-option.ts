import { InvalidArgumentError } from "commander";

/**
 * A commander argument parser for a whole number in [min, max]: `--limit abc`
 * or `--days 0` ends the command with one clear line instead of becoming a
 * default or an unintended "everything".
 */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    }
    return number;
  };
}
