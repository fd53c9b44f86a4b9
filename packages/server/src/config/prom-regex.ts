// Prometheus regexes are RE2, fully anchored. JavaScript's engine with the `u` flag accepts
// the RE2 syntax used in practice; the one common spelling it lacks is Go's named group
// `(?P<name>...)`, rewritten here to `(?<name>...)`.

export function compileAnchoredRegex(source: string): RegExp {
  return new RegExp(`^(?:${source.replace(/\(\?P</g, '(?<')})$`, 'su');
}

export function isValidRegex(source: string): boolean {
  try {
    compileAnchoredRegex(source);
    return true;
  } catch {
    return false;
  }
}
