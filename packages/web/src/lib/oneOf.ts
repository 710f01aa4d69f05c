/** `value` when it is one of `choices` (a filter read from the address bar), else undefined. */
export function oneOf<T extends string>(choices: readonly T[], value: string | null): T | undefined {
  return choices.find((choice) => choice === value);
}
