/**
 * The distinct items of a list, in the order they first appear (dependency lists keep plan order,
 * which the scheduler and the drawings rely on).
 */
export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}
