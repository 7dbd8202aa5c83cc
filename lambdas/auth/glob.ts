/**
 * Wildcard matching for every pattern a user writes: policy actions and
 * resources (`*` and `?`, as IAM reads them), tag-mutability exclusion filters
 * and lifecycle tag patterns (`*` only). The whole text must match.
 *
 * Greedy two-pointer matching: on a mismatch after a `*`, the star takes one
 * more character and matching resumes behind it. That is at most
 * pattern × text steps whatever the pattern, where a backtracking regular
 * expression built from a pattern with many stars can run for minutes.
 */
export interface GlobOptions {
  /** `?` stands for any one character, as in IAM; otherwise it is literal. */
  questionMark?: boolean;
  /** Compare case-insensitively, as IAM does for action names. */
  ignoreCase?: boolean;
}

export function globMatches(pattern: string, text: string, options: GlobOptions = {}): boolean {
  const p = options.ignoreCase ? pattern.toLowerCase() : pattern;
  const t = options.ignoreCase ? text.toLowerCase() : text;
  let pi = 0;
  let ti = 0;
  // The last star seen, and where in the text its run currently ends.
  let star = -1;
  let starEnd = 0;
  while (ti < t.length) {
    const char = p[pi];
    if (char === '*') {
      star = pi++;
      starEnd = ti;
    } else if (pi < p.length && (char === t[ti] || (char === '?' && options.questionMark === true))) {
      pi++;
      ti++;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++starEnd;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}
