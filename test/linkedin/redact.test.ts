import { MIN_SEARCHED_TOKEN_LENGTH, redactToken } from '../../lambdas/shared/linkedin/redact';

describe('redactToken', () => {
  it('treats the token as text, not as a pattern', () => {
    expect(redactToken('a.b*c(d)? and aXbbc(d)', 'a.b*c(d)?')).toBe('[redacted] and aXbbc(d)');
  });

  it('redacts a URL-encoded Bearer value', () => {
    expect(redactToken('header=Bearer%20AQV%2Bx', 'unrelated-token')).toBe('header=Bearer%20[redacted]');
  });

  it('redacts the longest form, leaving no tail of an encoded token', () => {
    expect(redactToken('x AQV%252Bx y', 'AQV+x')).toBe('x [redacted] y');
  });

  it(`searches for tokens of ${MIN_SEARCHED_TOKEN_LENGTH}+ characters only, and leaves text without them alone`, () => {
    expect(MIN_SEARCHED_TOKEN_LENGTH).toBe(4);
    expect(redactToken('a cat sat', 'cat')).toBe('a cat sat');
    expect(redactToken('a cats sat', 'cats')).toBe('a [redacted] sat');
    expect(redactToken('nothing to hide', 'AQV-long-token-value')).toBe('nothing to hide');
    expect(redactToken('nothing to hide', '')).toBe('nothing to hide');
  });
});
