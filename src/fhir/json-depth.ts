/**
 * The deepest nesting we accept in a JSON body or line. FHIR resources nest a few levels
 * (extensions of extensions, contained resources, a Bundle around them): 64 is far above what a
 * real resource needs, and far below where our recursive walks (labels, references, JSON
 * comparison) would exhaust the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests objects or arrays more than `max` levels deep. Iterative, so a deep value cannot overflow the stack here. */
export function nestedTooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

export const tooDeepMessage = `The JSON is nested more than ${MAX_JSON_DEPTH} levels deep`;
