// File names sorted the way people number slices: slice2 before slice10, case-insensitive.
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function naturalSort(names: readonly string[]): string[] {
  return [...names].sort(naturalCompare);
}
