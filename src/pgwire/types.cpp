#include "pgwire/types.hpp"

#include <strings.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "common/error.hpp"
#include "common/pg_interval.hpp"

namespace mallard::pgwire {
namespace {

using u128 = unsigned __int128;
using i128 = __int128;

constexpr int64_t kUsecPerSec = 1000000;
constexpr int64_t kUsecPerHour = 3600 * kUsecPerSec;
constexpr int64_t kUsecPerDay = 24 * kUsecPerHour;
// PostgreSQL counts dates and timestamps from 2000-01-01, DuckDB from 1970-01-01.
constexpr int32_t kPgEpochDays = 10957;
constexpr int64_t kPgEpochUsec = int64_t{kPgEpochDays} * kUsecPerDay;
// DuckDB's infinities: +/-(max) for dates and all timestamp units.
constexpr int32_t kDateInfinity = std::numeric_limits<int32_t>::max();
constexpr int64_t kTimestampInfinity = std::numeric_limits<int64_t>::max();
// DuckDB TIME_TZ packs micros in the high 40 bits and (max - offset) in the low 24.
constexpr int32_t kTimeTzMaxOffset = 16 * 60 * 60 - 1;
constexpr uint64_t kTimeTzOffsetMask = (uint64_t{1} << 24) - 1;

// ---------------------------------------------------------------------------------------------
// Byte and digit helpers.

inline void put_u16(std::string &out, uint16_t v) {
  char b[2] = {char(v >> 8), char(v)};
  out.append(b, 2);
}
inline void put_u32(std::string &out, uint32_t v) {
  v = __builtin_bswap32(v);
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}
inline void put_u64(std::string &out, uint64_t v) {
  v = __builtin_bswap64(v);
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}
// The same, written in place at p; they return the end.
inline char *store_u16(char *p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
  return p + 2;
}
inline char *store_u32(char *p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
  return p + 4;
}
inline char *store_u64(char *p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
  return p + 8;
}
inline void patch_u32(std::string &out, size_t at, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(out.data() + at, &v, 4);
}

// "00" to "99", for writing two digits at a time.
constexpr auto kDigitPairs = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[size_t(2 * i)] = char('0' + i / 10);
    t[size_t(2 * i + 1)] = char('0' + i % 10);
  }
  return t;
}();

// Two digits of v < 100.
inline char *put2(char *p, uint32_t v) {
  std::memcpy(p, &kDigitPairs[2 * v], 2);
  return p + 2;
}

constexpr size_t kMaxIntText = 24;  // "-9223372036854775808" and some

// Exactly eight digits of v < 10^8, leading zeros included, in 32-bit arithmetic.
inline char *put8(char *p, uint32_t v) {
  const uint32_t hi = v / 10000, lo = v % 10000;
  put2(p, hi / 100);
  put2(p + 2, hi % 100);
  put2(p + 4, lo / 100);
  return put2(p + 6, lo % 100);
}

// The digits of v at p (20 bytes); returns the end. Cheaper than std::to_chars for long numbers,
// which divides the whole 64-bit value once per two digits.
inline char *put_u64(char *p, uint64_t v) {
  constexpr uint32_t k8 = 100000000;
  if (v < k8) return std::to_chars(p, p + 8, uint32_t(v)).ptr;
  const uint64_t hi = v / k8;
  const uint32_t lo = uint32_t(v - hi * k8);
  if (hi < k8) {
    p = std::to_chars(p, p + 8, uint32_t(hi)).ptr;
  } else {
    const uint32_t top = uint32_t(hi / k8);
    p = put8(std::to_chars(p, p + 4, top).ptr, uint32_t(hi - uint64_t(top) * k8));
  }
  return put8(p, lo);
}

template <typename T>
inline char *put_int(char *p, T v) {
  if constexpr (sizeof(T) == 8) {
    uint64_t u = uint64_t(v);
    if constexpr (std::is_signed_v<T>) {
      if (v < 0) {
        *p++ = '-';
        u = 0 - u;
      }
    }
    return put_u64(p, u);
  } else {
    return std::to_chars(p, p + kMaxIntText, v).ptr;
  }
}

template <typename T>
inline void append_int(std::string &out, T v) {
  char buf[kMaxIntText];
  out.append(buf, size_t(put_int(buf, v) - buf));
}

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Writes the decimal digits of v at buf (at least 40 bytes); returns the digit count.
int u128_digits(u128 v, char *buf) {
  if (v <= std::numeric_limits<uint64_t>::max()) {
    return int(std::to_chars(buf, buf + 40, uint64_t(v)).ptr - buf);
  }
  constexpr uint64_t kChunk = 10000000000000000000ull;  // 10^19
  char tail[40];
  int pos = 40;
  while (v > std::numeric_limits<uint64_t>::max()) {
    uint64_t low = uint64_t(v % kChunk);
    v /= kChunk;
    for (int i = 0; i < 19; ++i) {
      tail[--pos] = char('0' + low % 10);
      low /= 10;
    }
  }
  int n = int(std::to_chars(buf, buf + 40, uint64_t(v)).ptr - buf);
  std::memcpy(buf + n, tail + pos, size_t(40 - pos));
  return n + 40 - pos;
}

using duck::string_of;

constexpr char kHex[] = "0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// JSON and array-literal quoting.

void append_json_string(std::string &out, std::string_view s) {
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

inline bool array_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// PostgreSQL's array_out quoting: quote anything the array parser would otherwise misread.
void append_array_element(std::string &out, std::string_view s) {
  bool quote = s.empty() || (s.size() == 4 && strncasecmp(s.data(), "null", 4) == 0);
  for (size_t i = 0; !quote && i < s.size(); ++i) {
    char c = s[i];
    quote = c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || array_space(c);
  }
  if (!quote) {
    out.append(s);
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// ---------------------------------------------------------------------------------------------
// Floats: shortest round-trip digits, laid out the way PostgreSQL's float4out/float8out do
// (fixed notation for decimal exponents in [-4, 15) for float8 and [-4, 6) for float4).

// A decimal in scientific form: digits d[0..n) with the point after d[0], times 10^exp.
struct SciDigits {
  char d[40];
  int n = 0;
  int exp = 0;
  bool neg = false;
};

// Formats v with std::to_chars (shortest when precision < 0) and splits the result.
template <typename F>
void sci_digits(F v, int precision, SciDigits &out) {
  char buf[64];
  char *end = precision < 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr
                            : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, precision).ptr;
  // The exponent is the tail "e[+-]d+": read it backwards instead of searching and re-parsing.
  char *e = end - 1;
  int exp = 0, scale = 1;
  while (*e >= '0' && *e <= '9') {
    exp += (*e - '0') * scale;
    scale *= 10;
    --e;
  }
  if (*e == '-') exp = -exp;
  --e;  // now at 'e'
  out.exp = exp;
  const char *p = buf;
  out.neg = *p == '-';
  if (out.neg) ++p;
  out.n = 0;
  for (; p < e; ++p)
    if (*p != '.') out.d[out.n++] = *p;
  while (out.n > 1 && out.d[out.n - 1] == '0') --out.n;
}

// Whether D * 10^k equals M * 2^j exactly, for odd M.
bool decimal_equals(u128 digits, int k, uint64_t odd, int j) {
  if (digits == 0) return false;
  const int twos = uint64_t(digits) != 0 ? __builtin_ctzll(uint64_t(digits))
                                         : 64 + __builtin_ctzll(uint64_t(digits >> 64));
  u128 digits_odd = digits >> twos;
  // 10^k = 2^k * 5^k: powers of two and odd parts must agree separately.
  if (k >= 0) {
    if (twos + k != j) return false;
    u128 lhs = digits_odd;
    for (int i = 0; i < k; ++i) {
      if (lhs > odd) return false;
      lhs *= 5;
    }
    return lhs == odd;
  }
  if (twos != j - k) return false;
  u128 rhs = odd;
  for (int i = 0; i < -k; ++i) {
    if (rhs > digits_odd) return false;
    rhs *= 5;
  }
  return rhs == digits_odd;
}

// PostgreSQL's shortest-digit search keeps strictly inside the interval of decimals that read
// back as v; std::to_chars also accepts the interval's ends when they round to v (even
// mantissa). This tells whether `sd` sits exactly on one of those ends.
template <typename F>
bool on_rounding_boundary(F v, const SciDigits &sd) {
  using Bits = std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>;
  constexpr int kMantissaBits = sizeof(F) == 4 ? 23 : 52;
  constexpr int kBias = sizeof(F) == 4 ? 127 : 1023;
  const Bits bits = std::bit_cast<Bits>(v);
  const int biased = int((bits >> kMantissaBits) & ((Bits{1} << (sizeof(F) == 4 ? 8 : 11)) - 1));
  if (biased == 0) return false;  // subnormal: the ends need far more digits than any output has
  const uint64_t fraction = uint64_t(bits & ((Bits{1} << kMantissaBits) - 1));
  const uint64_t m = fraction | (uint64_t{1} << kMantissaBits);
  const int e = biased - kBias - kMantissaBits;  // |v| = m * 2^e
  u128 digits = 0;
  for (int i = 0; i < sd.n; ++i) digits = digits * 10 + u128(sd.d[i] - '0');
  const int k = sd.exp - (sd.n - 1);
  if (decimal_equals(digits, k, 2 * m + 1, e - 1)) return true;
  if (fraction == 0 && biased > 1) return decimal_equals(digits, k, 4 * m - 1, e - 2);
  return decimal_equals(digits, k, 2 * m - 1, e - 1);
}

template <typename F>
bool reads_back_as(F v, const SciDigits &sd) {
  char buf[64];
  char *p = buf;
  *p++ = sd.d[0];
  *p++ = '.';
  std::memcpy(p, sd.d + 1, size_t(sd.n - 1));
  p += sd.n - 1;
  *p++ = 'e';
  p = std::to_chars(p, buf + sizeof buf, sd.exp).ptr;
  F back;
  std::from_chars(buf, p, back);
  return back == (v < 0 ? -v : v);
}

// Longest float text: sign, 17 digits, point, "e-308" (float8), or sign, "0.0000" and 17 digits (fixed).
constexpr size_t kMaxFloatText = 32;

// Writes any float, NaN and infinities included, at p (kMaxFloatText bytes); returns the end.
template <typename F>
char *put_float_general(char *p, F v) {
  auto put = [&](std::string_view s) { return std::copy(s.begin(), s.end(), p); };
  if (std::isnan(v)) return put("NaN");
  if (std::isinf(v)) return put(v > 0 ? "Infinity" : "-Infinity");
  if (v == 0) return put(std::signbit(v) ? "-0" : "0");
  SciDigits sd;
  sci_digits(v, -1, sd);
  // Only values of at least 2^(mantissa bits + 1) have interval ends short enough to collide
  // with a shortest output; below that the check is skipped.
  constexpr F kBoundaryFloor = sizeof(F) == 4 ? F(16777216.0f) : F(9007199254740992.0);
  if ((v >= kBoundaryFloor || v <= -kBoundaryFloor) && on_rounding_boundary(v, sd)) {
    constexpr int kMaxDigits = sizeof(F) == 4 ? 9 : 17;
    for (int digits = sd.n + 1; digits <= kMaxDigits; ++digits) {
      SciDigits longer;
      sci_digits(v, digits - 1, longer);
      if (reads_back_as(v, longer) && !on_rounding_boundary(v, longer)) {
        sd = longer;
        break;
      }
    }
  }
  constexpr int kFixedLimit = sizeof(F) == 4 ? 6 : 15;
  const int n = sd.n, exp = sd.exp;
  char *w = p;
  if (sd.neg) *w++ = '-';
  if (exp < -4 || exp >= kFixedLimit) {
    *w++ = sd.d[0];
    if (n > 1) {
      *w++ = '.';
      std::memcpy(w, sd.d + 1, size_t(n - 1));
      w += n - 1;
    }
    *w++ = 'e';
    *w++ = exp < 0 ? '-' : '+';
    int a = exp < 0 ? -exp : exp;
    if (a < 10) *w++ = '0';
    w = std::to_chars(w, p + kMaxFloatText, a).ptr;
  } else if (exp >= 0) {
    int int_len = exp + 1;
    for (int i = 0; i < int_len; ++i) *w++ = i < n ? sd.d[i] : '0';
    if (n > int_len) {
      *w++ = '.';
      for (int i = int_len; i < n; ++i) *w++ = sd.d[i];
    }
  } else {
    *w++ = '0';
    *w++ = '.';
    for (int i = 0; i < -exp - 1; ++i) *w++ = '0';
    for (int i = 0; i < n; ++i) *w++ = sd.d[i];
  }
  return w;
}

// Shortest round-trip text of a float in the fixed-notation range, computed exactly in integers;
// it gives the same bytes as std::to_chars(fixed) at a third of the cost. With v = m * 2^e, the
// values that read back as v are those strictly inside (inside or on, for even m) the interval
// around v reaching halfway to each neighbour. Scaled by 10^p so that v * 10^p has kDigits or
// kDigits + 1 integer digits, that interval always holds an integer (kDigits significant digits
// tell every value of F apart). The shortest decimal is then the integer of the interval with the
// most trailing zeros, of those the nearest to v, ties to even. Everything stays exact: 4m * 10^p
// < 2^125, and the interval ends fit in 64 bits once the binary scale is shifted out.
template <typename F>
char *put_fixed_shortest(char *p, F v) {
  using Bits = std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>;
  constexpr int kMantissaBits = sizeof(F) == 4 ? 23 : 52;
  constexpr int kExponentMask = sizeof(F) == 4 ? 0xff : 0x7ff;
  constexpr int kBias = sizeof(F) == 4 ? 127 : 1023;
  constexpr int kDigits = sizeof(F) == 4 ? 9 : 17;
  static constexpr auto kPow10 = [] {
    std::array<u128, 23> t{};
    t[0] = 1;
    for (size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * 10;
    return t;
  }();
  const Bits bits = std::bit_cast<Bits>(v);
  const int biased = int((bits >> kMantissaBits) & kExponentMask);
  const uint64_t fraction = uint64_t(bits & ((Bits{1} << kMantissaBits) - 1));
  const uint64_t m = fraction | (uint64_t{1} << kMantissaBits);
  const int e = biased - kBias - kMantissaBits;  // |v| = m * 2^e, with e < -2 in the fixed range
  // floor(log10 |v|) is est or est + 1; 1233 / 4096 is log10(2) closely enough for |log2 v| < 128.
  const int est = ((biased - kBias) * 1233) >> 12;
  const int pw = kDigits - 1 - est;  // |v| * 10^pw has kDigits or kDigits + 1 integer digits
  const int shift = 2 - e;           // |v| * 10^pw = center / 2^shift
  const u128 scale = kPow10[size_t(pw)];
  const u128 center = u128(4 * m) * scale;
  // Halfway to the next value above is 2 units of 4m; to the one below, 1 unit where m is the
  // smallest mantissa of its binade (the gap below is half as wide).
  const u128 below = (fraction == 0 && biased > 1) ? scale : 2 * scale, above = 2 * scale;
  const bool closed = (m & 1) == 0;
  const u128 mask = (u128(1) << shift) - 1;
  const u128 lo = center - below, hi = center + above;
  uint64_t first = uint64_t(lo >> shift) + (((lo & mask) != 0 || !closed) ? 1 : 0);
  uint64_t last = uint64_t(hi >> shift) - (((hi & mask) == 0 && !closed) ? 1 : 0);
  uint64_t q = uint64_t(center >> shift);  // floor(|v| * 10^pw / 10^t)
  int t = 0;                                 // candidates are the integers [first, last] times 10^t
  while (true) {
    const uint64_t f = (first + 9) / 10, l = last / 10;
    if (f > l) break;
    first = f;
    last = l;
    q /= 10;
    ++t;
  }
  uint64_t digits;
  if (q < first) {
    digits = first;
  } else if (q >= last) {
    digits = last;
  } else {  // q and q + 1 both qualify: the nearer one, ties to even
    const u128 twice = center << 1, mid = (u128(2 * q + 1) * kPow10[size_t(t)]) << shift;
    digits = twice < mid ? q : twice > mid ? q + 1 : q + (q & 1);
  }
  char d[24];
  const int n = int(put_u64(d, digits) - d);
  const int exp = n - 1 + t - pw;  // decimal exponent of the first digit
  char *w = p;
  if (std::signbit(v)) *w++ = '-';
  if (exp >= 0) {
    const int int_len = exp + 1;
    if (n <= int_len) {
      std::memcpy(w, d, size_t(n));
      std::memset(w + n, '0', size_t(int_len - n));
      return w + int_len;
    }
    std::memcpy(w, d, size_t(int_len));
    w += int_len;
    *w++ = '.';
    std::memcpy(w, d + int_len, size_t(n - int_len));
    return w + (n - int_len);
  }
  *w++ = '0';
  *w++ = '.';
  std::memset(w, '0', size_t(-exp - 1));
  w += -exp - 1;
  std::memcpy(w, d, size_t(n));
  return w + n;
}

// Most values print in fixed notation (decimal exponent in [-4, 15) for float8, [-4, 6) for float4).
// There std::to_chars's shortest fixed form is already PostgreSQL's text, and much cheaper than the
// general path: in fixed notation "shortest" means the fewest digits after the point that read back
// as v, which for a given magnitude are the fewest significant digits, and both pick the nearest
// such decimal. The two can differ only on rounding-interval ends (see on_rounding_boundary), which
// first matter at 2^53 (float4: 2^24), above this range. The range ends 1e15 and 1e6 are exact
// doubles/floats, so no value below them has a shortest form that rounds up to them; values just
// under 1e-4 whose shortest form is 0.0001 take the general path, which prints that too.
template <typename F>
char *put_float(char *p, F v) {
  constexpr F kFixedLow = F(1e-4), kFixedHigh = sizeof(F) == 4 ? F(1e6) : F(1e15);
  const F a = std::fabs(v);
  if (a >= kFixedLow && a < kFixedHigh) return put_fixed_shortest(p, v);
  return put_float_general(p, v);
}

template <typename F>
void append_float(std::string &out, F v) {
  char buf[kMaxFloatText];
  out.append(buf, size_t(put_float(buf, v) - buf));
}

// ---------------------------------------------------------------------------------------------
// Numeric: text with exactly `scale` fraction digits, binary in PostgreSQL's base-10000 form.

// `digits` is the magnitude of the unscaled value (no leading zeros, or "0").
void append_decimal_text(std::string &out, bool neg, const char *digits, size_t n, int scale) {
  if (neg) out += '-';
  if (scale <= 0) {
    out.append(digits, n);
    return;
  }
  size_t s = size_t(scale);
  if (n > s) {
    out.append(digits, n - s);
    out += '.';
    out.append(digits + n - s, s);
  } else {
    out += "0.";
    out.append(s - n, '0');
    out.append(digits, n);
  }
}

void append_numeric_binary(std::string &out, bool neg, const char *digits, size_t n, int scale) {
  // Digit i stands for 10^(int_digits - 1 - i); base-10000 group w covers exponents 4w .. 4w+3.
  const int64_t int_digits = int64_t(n) - scale;
  auto digit_at = [&](int64_t e) -> int {
    int64_t i = int_digits - 1 - e;
    return (i >= 0 && i < int64_t(n)) ? digits[i] - '0' : 0;
  };
  auto group = [&](int64_t w) {
    return digit_at(4 * w + 3) * 1000 + digit_at(4 * w + 2) * 100 + digit_at(4 * w + 1) * 10 + digit_at(4 * w);
  };
  int64_t hi = floor_div(int_digits - 1, 4);
  int64_t lo = floor_div(-scale, 4);
  while (hi >= lo && group(hi) == 0) --hi;
  if (hi < lo) {
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, uint16_t(scale));
    return;
  }
  while (group(lo) == 0) ++lo;
  put_u16(out, uint16_t(hi - lo + 1));
  put_u16(out, uint16_t(int16_t(hi)));
  put_u16(out, neg ? 0x4000 : 0x0000);
  put_u16(out, uint16_t(scale));
  for (int64_t w = hi; w >= lo; --w) put_u16(out, uint16_t(group(w)));
}

// ---------------------------------------------------------------------------------------------
// Dates and times (proleptic Gregorian calendar, ISO output).

struct CivilDate {
  int64_t year;
  uint32_t month, day;
};

// Day count since 1970-01-01 to calendar date, via 400-year cycles counted from 0000-03-01 so
// that the leap day falls at the end of each computed year.
CivilDate civil_from_days(int64_t days) {
  const int64_t shifted = days + 719468;
  const int64_t cycle = floor_div(shifted, 146097);
  const int64_t day_of_cycle = shifted - cycle * 146097;
  const int64_t year_of_cycle =
      (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 - day_of_cycle / 146096) / 365;
  const int64_t day_of_year = day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
  const int64_t march_month = (5 * day_of_year + 2) / 153;
  const uint32_t day = uint32_t(day_of_year - (153 * march_month + 2) / 5 + 1);
  const uint32_t month = uint32_t(march_month < 10 ? march_month + 3 : march_month - 9);
  return {year_of_cycle + cycle * 400 + (month <= 2 ? 1 : 0), month, day};
}

// Writes YYYY-MM-DD (year of era); returns the end and whether the date is BC.
char *put_date(char *p, int64_t days, bool &bc) {
  CivilDate c = civil_from_days(days);
  int64_t year = c.year;
  bc = year <= 0;
  if (bc) year = 1 - year;
  if (year < 10000) {
    p = put2(p, uint32_t(year / 100));
    p = put2(p, uint32_t(year % 100));
  } else {
    p = std::to_chars(p, p + 20, year).ptr;
  }
  *p++ = '-';
  p = put2(p, c.month);
  *p++ = '-';
  return put2(p, c.day);
}

char *put_fraction(char *p, uint32_t micros) {
  if (micros == 0) return p;
  *p++ = '.';
  char digits[6];
  for (int i = 5; i >= 0; --i) {
    digits[i] = char('0' + micros % 10);
    micros /= 10;
  }
  int n = 6;
  while (digits[n - 1] == '0') --n;
  std::memcpy(p, digits, size_t(n));
  return p + n;
}

// HH:MM:SS[.ffffff] for a non-negative microsecond count (hours may exceed 23).
char *put_clock(char *p, uint64_t us) {
  // Two 64-bit divisions; the rest in 32 bits, which is cheaper.
  const uint64_t secs = us / uint64_t(kUsecPerSec);
  const uint64_t hours = secs / 3600;
  const uint32_t micros = uint32_t(us - secs * uint64_t(kUsecPerSec));
  const uint32_t in_hour = uint32_t(secs - hours * 3600);
  if (hours < 100) {
    p = put2(p, uint32_t(hours));
  } else {
    p = std::to_chars(p, p + 24, hours).ptr;
  }
  *p++ = ':';
  p = put2(p, in_hour / 60);
  *p++ = ':';
  p = put2(p, in_hour % 60);
  return put_fraction(p, micros);
}

// Zone offset (seconds east of UTC) as PostgreSQL prints it: +HH, +HH:MM or +HH:MM:SS; the
// XML-schema style used inside JSON always carries minutes.
char *put_zone(char *p, int32_t offset, bool always_minutes) {
  *p++ = offset < 0 ? '-' : '+';
  uint32_t a = uint32_t(offset < 0 ? -int64_t(offset) : offset);
  p = put2(p, a / 3600);
  uint32_t min = a / 60 % 60, sec = a % 60;
  if (min != 0 || sec != 0 || always_minutes) {
    *p++ = ':';
    p = put2(p, min);
  }
  if (sec != 0) {
    *p++ = ':';
    p = put2(p, sec);
  }
  return p;
}

// The text of the last day a date or timestamp encoder wrote: consecutive values in a column
// usually fall on the same day, and the calendar arithmetic is the dearer half of a timestamp.
struct DayCache {
  int64_t days = std::numeric_limits<int64_t>::min();
  bool bc = false;
  uint8_t len = 0;
  char text[32] = {};  // YYYY-MM-DD; years have at most 7 digits (DATE) here
};

// Room put_date_text and put_timestamp need at p: the longest timestamp text is about 40 bytes, and the
// cached date is copied with a fixed-size move of all of DayCache::text.
constexpr size_t kMaxDateTimeText = 64;

char *put_date_cached(char *p, int64_t days, bool &bc, DayCache &cache) {
  if (days != cache.days) {
    cache.len = uint8_t(put_date(cache.text, days, cache.bc) - cache.text);
    cache.days = days;
  }
  bc = cache.bc;
  std::memcpy(p, cache.text, sizeof cache.text);
  return p + cache.len;
}

inline char *put_literal(char *p, std::string_view s) { return std::copy(s.begin(), s.end(), p); }

char *put_date_text(char *p, int32_t days, DayCache &cache) {
  if (days == kDateInfinity) return put_literal(p, "infinity");
  if (days == -kDateInfinity) return put_literal(p, "-infinity");
  bool bc;
  p = put_date_cached(p, days, bc, cache);
  return bc ? put_literal(p, " BC") : p;
}

// `us` is microseconds since 1970-01-01 (UTC when with_zone). xsd selects the JSON layout.
char *put_timestamp(char *p, int64_t us, bool with_zone, int32_t offset, bool xsd, DayCache &cache) {
  if (us == kTimestampInfinity) return put_literal(p, "infinity");
  if (us == -kTimestampInfinity) return put_literal(p, "-infinity");
  if (with_zone && __builtin_add_overflow(us, int64_t{offset} * kUsecPerSec, &us)) {
    with_zone = false;  // beyond any representable local time: print the instant as is
  }
  int64_t days = floor_div(us, kUsecPerDay);
  bool bc;
  p = put_date_cached(p, days, bc, cache);
  *p++ = xsd ? 'T' : ' ';
  p = put_clock(p, uint64_t(us - days * kUsecPerDay));
  if (with_zone) p = put_zone(p, offset, xsd);
  return bc ? put_literal(p, " BC") : p;
}

void append_time(std::string &out, int64_t us) {
  char buf[32];
  char *p = put_clock(buf, uint64_t(us < 0 ? 0 : us));
  out.append(buf, size_t(p - buf));
}

inline int64_t timetz_micros(uint64_t bits) { return int64_t(bits >> 24); }
inline int32_t timetz_offset(uint64_t bits) { return kTimeTzMaxOffset - int32_t(bits & kTimeTzOffsetMask); }

void append_timetz(std::string &out, uint64_t bits) {
  char buf[40];
  int64_t us = timetz_micros(bits);
  char *p = put_clock(buf, uint64_t(us));
  p = put_zone(p, timetz_offset(bits), false);
  out.append(buf, size_t(p - buf));
}

// IntervalStyle 'postgres': "1 year 2 mons 3 days 04:05:06.5", signs carried per field.
void append_interval(std::string &out, const duckdb_interval &iv) {
  bool is_before = false, is_zero = true;
  auto part = [&](int32_t value, const char *unit) {
    if (value == 0) return;
    if (!is_zero) out += ' ';
    if (is_before && value > 0) out += '+';
    append_int(out, value);
    out += ' ';
    out += unit;
    if (value != 1) out += 's';
    is_before = value < 0;
    is_zero = false;
  };
  part(iv.months / 12, "year");
  part(iv.months % 12, "mon");
  part(iv.days, "day");
  if (is_zero || iv.micros != 0) {
    bool minus = iv.micros < 0;
    if (!is_zero) out += ' ';
    if (minus) {
      out += '-';
    } else if (is_before) {
      out += '+';
    }
    uint64_t mag = minus ? 0 - uint64_t(iv.micros) : uint64_t(iv.micros);
    char buf[40];
    out.append(buf, size_t(put_clock(buf, mag) - buf));
  }
}

// IntervalStyle 'iso_8601': "P1Y2M3DT4H5M6.5S" ("PT0S" for zero), each field with its own sign,
// as PostgreSQL splits the time into hours, minutes and seconds.
void append_interval_iso(std::string &out, const duckdb_interval &iv) {
  constexpr int64_t kHour = 3600000000, kMinute = 60000000, kSecond = 1000000;
  const int64_t hours = iv.micros / kHour, minutes = iv.micros % kHour / kMinute, micros = iv.micros % kMinute;
  if (iv.months == 0 && iv.days == 0 && iv.micros == 0) {
    out += "PT0S";
    return;
  }
  auto part = [&](int64_t value, char unit) {
    if (value == 0) return;
    append_int(out, value);
    out += unit;
  };
  out += 'P';
  part(iv.months / 12, 'Y');
  part(iv.months % 12, 'M');
  part(iv.days, 'D');
  if (iv.micros == 0) return;
  out += 'T';
  part(hours, 'H');
  part(minutes, 'M');
  if (micros == 0) return;
  const uint64_t mag = micros < 0 ? 0 - uint64_t(micros) : uint64_t(micros);
  if (micros < 0) out += '-';
  append_int(out, int64_t(mag / kSecond));
  if (uint64_t fraction = mag % kSecond; fraction != 0) {
    char digits[7];
    std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(fraction));
    std::string_view f(digits, 6);
    while (f.back() == '0') f.remove_suffix(1);
    out += '.';
    out += f;
  }
  out += 'S';
}

void append_uuid(std::string &out, const duckdb_hugeint &h) {
  uint64_t hi = uint64_t(h.upper) ^ (uint64_t{1} << 63), lo = h.lower;
  char buf[36];
  char *p = buf;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) *p++ = '-';
    uint64_t word = i < 16 ? hi : lo;
    *p++ = kHex[(word >> (60 - 4 * (i % 16))) & 15];
  }
  out.append(buf, 36);
}

inline int64_t pg_timestamp(int64_t us) {
  if (us == kTimestampInfinity) return std::numeric_limits<int64_t>::max();
  if (us == -kTimestampInfinity) return std::numeric_limits<int64_t>::min();
  int64_t r;
  if (__builtin_sub_overflow(us, kPgEpochUsec, &r)) return std::numeric_limits<int64_t>::min();
  return r;
}

inline int32_t pg_date(int32_t days) {
  if (days == kDateInfinity) return std::numeric_limits<int32_t>::max();
  if (days == -kDateInfinity) return std::numeric_limits<int32_t>::min();
  int32_t r;
  if (__builtin_sub_overflow(days, kPgEpochDays, &r)) return std::numeric_limits<int32_t>::min();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Type mapping.

inline duckdb_type type_id(duckdb_logical_type t) { return duckdb_get_type_id(t); }

bool is_nested(duckdb_type id) {
  return id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY || id == DUCKDB_TYPE_STRUCT || id == DUCKDB_TYPE_MAP ||
         id == DUCKDB_TYPE_UNION;
}

bool has_alias(duckdb_logical_type t, const char *name) {
  char *alias = duckdb_logical_type_get_alias(t);
  if (!alias) return false;
  bool match = strcasecmp(alias, name) == 0;
  duckdb_free(alias);
  return match;
}

bool has_json_alias(duckdb_logical_type t) { return has_alias(t, "JSON"); }

// VARCHAR text as PostgreSQL's string types, by the DuckDB alias the catalog emulation gives
// (control/catalog.cpp): pg_char is the one-byte "char" of catalog columns (pg_type.typtype, ...),
// which type-introspecting clients read as bytes; pg_oidvector is pg_proc.proargtypes, OIDs
// separated by blanks.
PgType varchar_pg_type(duckdb_logical_type t) {
  char *alias = duckdb_logical_type_get_alias(t);
  if (!alias) return {oid::kText, -1, -1};
  PgType out{oid::kText, -1, -1};
  if (strcasecmp(alias, "JSON") == 0)
    out = {oid::kJson, -1, -1};
  else if (strcasecmp(alias, "pg_char") == 0)
    out = {oid::kChar, 1, -1};
  else if (strcasecmp(alias, "pg_oidvector") == 0)
    out = {oid::kOidVector, -1, -1};
  duckdb_free(alias);
  return out;
}

duck::LogicalType child_type_of(duckdb_logical_type t) {
  return duck::LogicalType(type_id(t) == DUCKDB_TYPE_ARRAY ? duckdb_array_type_child_type(t)
                                                           : duckdb_list_type_child_type(t));
}

struct ArrayOid {
  uint32_t elem, array;
};
constexpr ArrayOid kArrayOids[] = {
    {oid::kBool, oid::kBoolArray},         {oid::kBytea, oid::kByteaArray},
    {oid::kChar, 1002},                    {oid::kName, 1003},
    {oid::kInt2, oid::kInt2Array},         {oid::kInt4, oid::kInt4Array},
    {oid::kText, oid::kTextArray},         {oid::kVarchar, oid::kVarcharArray},
    {oid::kBpchar, 1014},                  {oid::kInt8, oid::kInt8Array},
    {oid::kFloat4, oid::kFloat4Array},     {oid::kFloat8, oid::kFloat8Array},
    {oid::kOid, 1028},                     {oid::kTimestamp, oid::kTimestampArray},
    {oid::kDate, oid::kDateArray},         {oid::kTime, oid::kTimeArray},
    {oid::kTimestamptz, oid::kTimestamptzArray}, {oid::kInterval, oid::kIntervalArray},
    {oid::kNumeric, oid::kNumericArray},   {oid::kUuid, oid::kUuidArray},
    {oid::kJson, oid::kJsonArray},         {oid::kJsonb, oid::kJsonbArray},
    {oid::kTimetz, oid::kTimetzArray},     {oid::kBit, oid::kBitArray},
    {oid::kVarbit, oid::kVarbitArray},
};

uint32_t array_oid_for(uint32_t elem) {
  for (const auto &e : kArrayOids)
    if (e.elem == elem) return e.array;
  return 0;
}

uint32_t element_oid_for(uint32_t array) {
  for (const auto &e : kArrayOids)
    if (e.array == array) return e.elem;
  return 0;
}

PgType scalar_pg_type(duckdb_logical_type t) {
  switch (type_id(t)) {
    case DUCKDB_TYPE_BOOLEAN: return {oid::kBool, 1, -1};
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_SMALLINT: return {oid::kInt2, 2, -1};
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_INTEGER: return {oid::kInt4, 4, -1};
    // oid is PostgreSQL's unsigned 32-bit integer: the same range, and the type clients expect
    // from catalog queries (whose OID columns are UINTEGER here).
    case DUCKDB_TYPE_UINTEGER: return {oid::kOid, 4, -1};
    case DUCKDB_TYPE_BIGINT: return {oid::kInt8, 8, -1};
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_BIGNUM: return {oid::kNumeric, -1, -1};
    case DUCKDB_TYPE_DECIMAL: {
      int32_t precision = duckdb_decimal_width(t), scale = duckdb_decimal_scale(t);
      if (unconstrained_numeric(precision, scale)) return {oid::kNumeric, -1, -1};
      return {oid::kNumeric, -1, ((precision << 16) | scale) + 4};
    }
    case DUCKDB_TYPE_FLOAT: return {oid::kFloat4, 4, -1};
    case DUCKDB_TYPE_DOUBLE: return {oid::kFloat8, 8, -1};
    case DUCKDB_TYPE_VARCHAR: return varchar_pg_type(t);
    case DUCKDB_TYPE_BLOB: return {oid::kBytea, -1, -1};
    case DUCKDB_TYPE_DATE: return {oid::kDate, 4, -1};
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIME_NS: return {oid::kTime, 8, -1};
    case DUCKDB_TYPE_TIME_TZ: return {oid::kTimetz, 12, -1};
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: return {oid::kTimestamp, 8, -1};
    case DUCKDB_TYPE_TIMESTAMP_TZ: return {oid::kTimestamptz, 8, -1};
    case DUCKDB_TYPE_INTERVAL: return {oid::kInterval, 16, -1};
    case DUCKDB_TYPE_UUID: return {oid::kUuid, 16, -1};
    case DUCKDB_TYPE_BIT: return {oid::kVarbit, -1, -1};
    default: return {oid::kText, -1, -1};
  }
}

}  // namespace

namespace detail {
std::string float_text_general(double v) {
  char buf[kMaxFloatText];
  return std::string(buf, put_float_general(buf, v));
}
std::string float_text_general(float v) {
  char buf[kMaxFloatText];
  return std::string(buf, put_float_general(buf, v));
}
}  // namespace detail

PgType pg_type_of(duckdb_logical_type type) {
  duckdb_type id = type_id(type);
  if (id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY) {
    duck::LogicalType child = child_type_of(type);
    if (is_nested(type_id(child.get()))) return {oid::kJson, -1, -1};
    PgType elem = scalar_pg_type(child.get());
    return {array_oid_for(elem.oid), -1, elem.typmod};
  }
  if (is_nested(id)) return {oid::kJson, -1, -1};
  return scalar_pg_type(type);
}

void ColumnEncoder::set_vector(duckdb_vector v) {
  validity_ = duckdb_vector_get_validity(v);
  data_ = duckdb_vector_get_data(v);
  on_vector(v);
}

void ColumnEncoder::write_text(uint64_t row, ByteWriter &w) {
  value_.clear();
  append_text(row, value_);
  w.append(value_.data(), value_.size());
}

void ColumnEncoder::write_binary(uint64_t row, ByteWriter &w) {
  value_.clear();
  append_binary(row, value_);
  w.append(value_.data(), value_.size());
}

namespace {

// ---------------------------------------------------------------------------------------------
// Encoders. Every encoder can also render its value as JSON, for use inside json-mapped
// STRUCT/MAP/UNION/nested-LIST columns.

class Encoder : public ColumnEncoder {
 public:
  explicit Encoder(PgType t) { pg_type_ = t; }
  // Default JSON rendering: the PostgreSQL text form as a JSON string.
  virtual void append_json(uint64_t row, std::string &out) {
    scratch_.clear();
    append_text(row, scratch_);
    append_json_string(out, scratch_);
  }
  // Called before set_vector() on child vectors, which can hold more rows than a chunk.
  virtual void ensure_rows(uint64_t) {}

 protected:
  void on_vector(duckdb_vector) override {}
  template <typename T>
  const T &at(uint64_t row) const {
    return static_cast<const T *>(data_)[row];
  }
  std::string scratch_;
};

using EncoderPtr = std::unique_ptr<Encoder>;
EncoderPtr build_encoder(duckdb_logical_type type, const TextOptions &options);

class BoolEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { out += at<uint8_t>(row) ? 't' : 'f'; }
  void append_binary(uint64_t row, std::string &out) override { out += char(at<uint8_t>(row) ? 1 : 0); }
  void write_text(uint64_t row, ByteWriter &w) override {
    char *p = w.room(1);
    *p = at<uint8_t>(row) ? 't' : 'f';
    w.commit(p + 1);
  }
  void write_binary(uint64_t row, ByteWriter &w) override {
    char *p = w.room(1);
    *p = char(at<uint8_t>(row) ? 1 : 0);
    w.commit(p + 1);
  }
  void append_json(uint64_t row, std::string &out) override { out += at<uint8_t>(row) ? "true" : "false"; }
};

// Integers, widened to the PostgreSQL type's width on the binary path.
template <typename Src, typename Wire>
class IntEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { append_int(out, at<Src>(row)); }
  void append_binary(uint64_t row, std::string &out) override {
    char buf[sizeof(Wire)];
    out.append(buf, size_t(put_wire(buf, row) - buf));
  }
  void write_text(uint64_t row, ByteWriter &w) override { w.commit(put_int(w.room(kMaxIntText), at<Src>(row))); }
  void write_binary(uint64_t row, ByteWriter &w) override { w.commit(put_wire(w.room(sizeof(Wire)), row)); }

 private:
  char *put_wire(char *p, uint64_t row) const {
    Wire v = static_cast<Wire>(at<Src>(row));
    if constexpr (sizeof(Wire) == 2) {
      return store_u16(p, uint16_t(v));
    } else if constexpr (sizeof(Wire) == 4) {
      return store_u32(p, uint32_t(v));
    } else {
      return store_u64(p, uint64_t(v));
    }
  }
  void append_json(uint64_t row, std::string &out) override { append_text(row, out); }
};

template <typename F>
class FloatEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { append_float(out, at<F>(row)); }
  void append_binary(uint64_t row, std::string &out) override {
    char buf[sizeof(F)];
    out.append(buf, size_t(put_wire(buf, row) - buf));
  }
  void write_text(uint64_t row, ByteWriter &w) override { w.commit(put_float(w.room(kMaxFloatText), at<F>(row))); }
  void write_binary(uint64_t row, ByteWriter &w) override { w.commit(put_wire(w.room(sizeof(F)), row)); }
  void append_json(uint64_t row, std::string &out) override {
    F v = at<F>(row);
    if (std::isfinite(v)) {
      append_float(out, v);
    } else {
      out += '"';
      append_float(out, v);
      out += '"';
    }
  }

 private:
  char *put_wire(char *p, uint64_t row) const {
    if constexpr (sizeof(F) == 4) {
      return store_u32(p, std::bit_cast<uint32_t>(at<F>(row)));
    } else {
      return store_u64(p, std::bit_cast<uint64_t>(at<F>(row)));
    }
  }
};

inline i128 to_i128(const duckdb_hugeint &h) { return (i128(h.upper) << 64) | i128(h.lower); }
inline u128 to_u128(const duckdb_uhugeint &h) { return (u128(h.upper) << 64) | u128(h.lower); }

// Exact integers and decimals, all reported as numeric. T is the DuckDB storage type.
template <typename T>
class NumericEncoder final : public Encoder {
 public:
  // `trim`: trailing fraction zeros are dropped (unconstrained_numeric).
  NumericEncoder(PgType t, int scale, bool trim = false) : Encoder(t), scale_(scale), trim_(trim) {}
  void append_text(uint64_t row, std::string &out) override {
    char digits[40];
    bool neg;
    int scale = scale_;
    size_t n = magnitude(row, digits, neg, scale);
    append_decimal_text(out, neg, digits, n, scale);
  }
  void append_binary(uint64_t row, std::string &out) override {
    char digits[40];
    bool neg;
    int scale = scale_;
    size_t n = magnitude(row, digits, neg, scale);
    append_numeric_binary(out, neg, digits, n, scale);
  }
  void append_json(uint64_t row, std::string &out) override { append_text(row, out); }

 private:
  size_t magnitude(uint64_t row, char *digits, bool &neg, int &scale) const {
    size_t n = unscaled(row, digits, neg);
    if (trim_) {
      while (scale > 0 && n > 1 && digits[n - 1] == '0') {
        --n;
        --scale;
      }
      if (n == 1 && digits[0] == '0') scale = 0;
    }
    return n;
  }
  size_t unscaled(uint64_t row, char *digits, bool &neg) const {
    if constexpr (std::is_same_v<T, duckdb_hugeint>) {
      i128 v = to_i128(at<T>(row));
      neg = v < 0;
      return size_t(u128_digits(neg ? u128(0) - u128(v) : u128(v), digits));
    } else if constexpr (std::is_same_v<T, duckdb_uhugeint>) {
      neg = false;
      return size_t(u128_digits(to_u128(at<T>(row)), digits));
    } else if constexpr (std::is_signed_v<T>) {
      int64_t v = at<T>(row);
      neg = v < 0;
      uint64_t mag = neg ? 0 - uint64_t(v) : uint64_t(v);
      return size_t(std::to_chars(digits, digits + 40, mag).ptr - digits);
    } else {
      neg = false;
      return size_t(std::to_chars(digits, digits + 40, uint64_t(at<T>(row))).ptr - digits);
    }
  }
  int scale_;
  bool trim_;
};

// DuckDB BIGNUM: 3-byte header (top bit set when non-negative, then the byte count), then the
// big-endian magnitude; negative values store every byte inverted.
class BignumEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override {
    bool neg = decode(row);
    append_decimal_text(out, neg, digits_.data(), digits_.size(), 0);
  }
  void append_binary(uint64_t row, std::string &out) override {
    bool neg = decode(row);
    append_numeric_binary(out, neg, digits_.data(), digits_.size(), 0);
  }
  void append_json(uint64_t row, std::string &out) override { append_text(row, out); }

 private:
  bool decode(uint64_t row) {
    std::string_view raw = string_of(at<duckdb_string_t>(row));
    digits_.clear();
    if (raw.size() < 3) {
      digits_ = "0";
      return false;
    }
    bool neg = !(static_cast<unsigned char>(raw[0]) & 0x80);
    limbs_.clear();
    // Base-10^9 limbs, least significant first, built by multiply-and-add per input byte.
    for (size_t i = 3; i < raw.size(); ++i) {
      uint32_t carry = static_cast<unsigned char>(raw[i]);
      if (neg) carry ^= 0xFF;
      for (auto &limb : limbs_) {
        uint64_t v = uint64_t(limb) * 256 + carry;
        limb = uint32_t(v % 1000000000);
        carry = uint32_t(v / 1000000000);
      }
      while (carry) {
        limbs_.push_back(carry % 1000000000);
        carry /= 1000000000;
      }
    }
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
    if (limbs_.empty()) {
      digits_ = "0";
      return false;
    }
    append_int(digits_, limbs_.back());
    for (size_t i = limbs_.size() - 1; i-- > 0;) {
      char buf[9];
      uint32_t v = limbs_[i];
      for (int k = 8; k >= 0; --k) {
        buf[k] = char('0' + v % 10);
        v /= 10;
      }
      digits_.append(buf, 9);
    }
    return neg;
  }
  std::string digits_;
  std::vector<uint32_t> limbs_;
};

class StringEncoder final : public Encoder {
 public:
  StringEncoder(PgType t, bool json) : Encoder(t), json_(json) {}
  void append_text(uint64_t row, std::string &out) override { out.append(string_of(at<duckdb_string_t>(row))); }
  void append_binary(uint64_t row, std::string &out) override { append_text(row, out); }
  void write_text(uint64_t row, ByteWriter &w) override {
    std::string_view s = string_of(at<duckdb_string_t>(row));
    w.append(s.data(), s.size());
  }
  void write_binary(uint64_t row, ByteWriter &w) override { write_text(row, w); }
  void append_json(uint64_t row, std::string &out) override {
    std::string_view s = string_of(at<duckdb_string_t>(row));
    if (json_) {
      out.append(s);
    } else {
      append_json_string(out, s);
    }
  }

 private:
  bool json_;
};

// oidvector: the text as it is; in binary, an array of oid numbered from 0 (PostgreSQL's form).
class OidVectorEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { out.append(string_of(at<duckdb_string_t>(row))); }
  void append_binary(uint64_t row, std::string &out) override {
    std::string_view s = string_of(at<duckdb_string_t>(row));
    std::vector<uint32_t> oids;
    for (size_t i = 0; i < s.size();) {
      uint32_t v = 0;
      auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
      if (ec == std::errc()) oids.push_back(v);
      i = static_cast<size_t>(end - s.data()) + 1;
    }
    put_u32(out, 1);
    put_u32(out, 0);
    put_u32(out, oid::kOid);
    put_u32(out, uint32_t(oids.size()));
    put_u32(out, 0);
    for (uint32_t v : oids) {
      put_u32(out, 4);
      put_u32(out, v);
    }
  }
  void append_json(uint64_t row, std::string &out) override {
    append_json_string(out, string_of(at<duckdb_string_t>(row)));
  }
};

class BlobEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override {
    std::string_view s = string_of(at<duckdb_string_t>(row));
    size_t at_end = out.size();
    out.resize(at_end + 2 + 2 * s.size());
    char *p = out.data() + at_end;
    *p++ = '\\';
    *p++ = 'x';
    for (unsigned char c : s) {
      *p++ = kHex[c >> 4];
      *p++ = kHex[c & 15];
    }
  }
  void append_binary(uint64_t row, std::string &out) override { out.append(string_of(at<duckdb_string_t>(row))); }
};

class DateEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override {
    char buf[kMaxDateTimeText];
    out.append(buf, size_t(put_date_text(buf, at<int32_t>(row), days_) - buf));
  }
  void append_binary(uint64_t row, std::string &out) override { put_u32(out, uint32_t(pg_date(at<int32_t>(row)))); }
  void write_text(uint64_t row, ByteWriter &w) override {
    w.commit(put_date_text(w.room(kMaxDateTimeText), at<int32_t>(row), days_));
  }
  void write_binary(uint64_t row, ByteWriter &w) override {
    w.commit(store_u32(w.room(4), uint32_t(pg_date(at<int32_t>(row)))));
  }

 private:
  DayCache days_;
};

// TIME (micros) and TIME_NS (nanos, truncated to micros).
template <int64_t kPerMicro>
class TimeEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { append_time(out, micros(row)); }
  void append_binary(uint64_t row, std::string &out) override { put_u64(out, uint64_t(micros(row))); }

 private:
  int64_t micros(uint64_t row) const { return at<int64_t>(row) / kPerMicro; }
};

class TimeTzEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { append_timetz(out, at<uint64_t>(row)); }
  void append_binary(uint64_t row, std::string &out) override {
    uint64_t bits = at<uint64_t>(row);
    put_u64(out, uint64_t(timetz_micros(bits)));
    put_u32(out, uint32_t(-timetz_offset(bits)));  // PostgreSQL sends seconds west of UTC
  }
};

enum class TsUnit { kSec, kMilli, kMicro, kNano };

template <TsUnit kUnit, bool kWithZone>
class TimestampEncoder final : public Encoder {
 public:
  TimestampEncoder(PgType t, int32_t offset, std::shared_ptr<const ZoneOffsets> zone = nullptr)
      : Encoder(t), offset_(offset), zone_(zone && !zone->is_fixed() ? std::move(zone) : nullptr) {}
  void append_text(uint64_t row, std::string &out) override {
    char buf[kMaxDateTimeText];
    out.append(buf, size_t(put_text(buf, row) - buf));
  }
  void append_binary(uint64_t row, std::string &out) override { put_u64(out, uint64_t(pg_timestamp(micros(row)))); }
  void write_text(uint64_t row, ByteWriter &w) override { w.commit(put_text(w.room(kMaxDateTimeText), row)); }
  void write_binary(uint64_t row, ByteWriter &w) override {
    w.commit(store_u64(w.room(8), uint64_t(pg_timestamp(micros(row)))));
  }
  void append_json(uint64_t row, std::string &out) override {
    int64_t us = micros(row);
    char buf[kMaxDateTimeText + 2];
    char *p = buf;
    *p++ = '"';
    p = put_timestamp(p, us, kWithZone, offset_at(us), true, days_);
    *p++ = '"';
    out.append(buf, size_t(p - buf));
  }

 private:
  char *put_text(char *p, uint64_t row) {
    int64_t us = micros(row);
    return put_timestamp(p, us, kWithZone, offset_at(us), false, days_);
  }
  int64_t micros(uint64_t row) const {
    int64_t v = at<int64_t>(row);
    if constexpr (kUnit == TsUnit::kMicro) {
      return v;
    } else {
      if (v == kTimestampInfinity || v == -kTimestampInfinity) return v;
      if constexpr (kUnit == TsUnit::kNano) {
        return floor_div(v, 1000);
      } else {
        constexpr int64_t kFactor = kUnit == TsUnit::kSec ? kUsecPerSec : 1000;
        int64_t r;
        if (__builtin_mul_overflow(v, kFactor, &r)) return v < 0 ? -kTimestampInfinity : kTimestampInfinity;
        return r;
      }
    }
  }
  // Zones with daylight-saving rules have an offset per instant.
  int32_t offset_at(int64_t us) const {
    if (!zone_ || us == kTimestampInfinity || us == -kTimestampInfinity) return offset_;
    return zone_->offset_at(floor_div(us, kUsecPerSec));
  }
  int32_t offset_;
  std::shared_ptr<const ZoneOffsets> zone_;
  DayCache days_;
};

class IntervalEncoder final : public Encoder {
 public:
  IntervalEncoder(PgType t, bool iso_8601) : Encoder(t), iso_8601_(iso_8601) {}
  void append_text(uint64_t row, std::string &out) override {
    if (iso_8601_)
      append_interval_iso(out, at<duckdb_interval>(row));
    else
      append_interval(out, at<duckdb_interval>(row));
  }
  void append_binary(uint64_t row, std::string &out) override {
    const auto &iv = at<duckdb_interval>(row);
    put_u64(out, uint64_t(iv.micros));
    put_u32(out, uint32_t(iv.days));
    put_u32(out, uint32_t(iv.months));
  }

 private:
  bool iso_8601_;
};

class UuidEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { append_uuid(out, at<duckdb_hugeint>(row)); }
  void append_binary(uint64_t row, std::string &out) override {
    const auto &h = at<duckdb_hugeint>(row);
    put_u64(out, uint64_t(h.upper) ^ (uint64_t{1} << 63));
    put_u64(out, h.lower);
  }
};

template <typename Index>
class EnumEncoder final : public Encoder {
 public:
  EnumEncoder(PgType t, duckdb_logical_type type) : Encoder(t) {
    uint32_t n = duckdb_enum_dictionary_size(type);
    names_.reserve(n);
    for (uint32_t i = 0; i < n; ++i) names_.push_back(duck::take_string(duckdb_enum_dictionary_value(type, i)));
  }
  void append_text(uint64_t row, std::string &out) override { out.append(name(row)); }
  void append_binary(uint64_t row, std::string &out) override { out.append(name(row)); }
  void append_json(uint64_t row, std::string &out) override { append_json_string(out, name(row)); }

 private:
  std::string_view name(uint64_t row) const {
    Index i = at<Index>(row);
    return i < names_.size() ? std::string_view(names_[i]) : std::string_view();
  }
  std::vector<std::string> names_;
};

// DuckDB BIT: first byte = count of padding bits at the start of the second byte.
class BitEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override {
    std::string_view raw = string_of(at<duckdb_string_t>(row));
    if (raw.empty()) return;
    size_t pad = static_cast<unsigned char>(raw[0]);
    size_t bits = (raw.size() - 1) * 8 - pad;
    for (size_t i = 0; i < bits; ++i) out += bit(raw, pad + i) ? '1' : '0';
  }
  void append_binary(uint64_t row, std::string &out) override {
    std::string_view raw = string_of(at<duckdb_string_t>(row));
    size_t pad = raw.empty() ? 0 : static_cast<unsigned char>(raw[0]);
    size_t bits = raw.empty() ? 0 : (raw.size() - 1) * 8 - pad;
    put_u32(out, uint32_t(bits));
    for (size_t byte = 0; byte * 8 < bits; ++byte) {
      unsigned v = 0;
      for (size_t k = 0; k < 8; ++k) {
        size_t i = byte * 8 + k;
        v = (v << 1) | (i < bits && bit(raw, pad + i) ? 1u : 0u);
      }
      out += char(v);
    }
  }

 private:
  static bool bit(std::string_view raw, size_t i) {
    return (static_cast<unsigned char>(raw[1 + i / 8]) >> (7 - i % 8)) & 1;
  }
};

// SQLNULL columns: every row is NULL, whatever the vector's own mask says.
class NullEncoder final : public Encoder {
 public:
  explicit NullEncoder(PgType t) : Encoder(t), none_(duckdb_vector_size() / 64 + 1, 0) {}
  void ensure_rows(uint64_t rows) override {
    if (rows / 64 + 1 > none_.size()) none_.resize(rows / 64 + 1, 0);
  }
  void append_text(uint64_t, std::string &) override {}
  void append_binary(uint64_t, std::string &) override {}
  void append_json(uint64_t, std::string &out) override { out += "null"; }

 protected:
  void on_vector(duckdb_vector) override { validity_ = none_.data(); }

 private:
  std::vector<uint64_t> none_;
};

// Nested values that PostgreSQL sees as json: text and binary are both the JSON text.
class JsonValueEncoder : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t row, std::string &out) override { append_json(row, out); }
  void append_binary(uint64_t row, std::string &out) override { append_json(row, out); }
};

inline void append_child_json(Encoder &child, uint64_t row, std::string &out) {
  if (child.is_null(row)) {
    out += "null";
  } else {
    child.append_json(row, out);
  }
}

// LIST and fixed-size ARRAY. With a scalar child it is a PostgreSQL array; otherwise json.
class ListEncoder final : public Encoder {
 public:
  ListEncoder(PgType t, EncoderPtr child, bool fixed, uint64_t size)
      : Encoder(t), child_(std::move(child)), fixed_(fixed), size_(size), as_json_(t.oid == oid::kJson) {}

  void append_text(uint64_t row, std::string &out) override {
    if (as_json_) return append_json(row, out);
    auto [off, len] = entry(row);
    out += '{';
    for (uint64_t i = 0; i < len; ++i) {
      if (i) out += ',';
      if (child_->is_null(off + i)) {
        out += "NULL";
        continue;
      }
      scratch_.clear();
      child_->append_text(off + i, scratch_);
      append_array_element(out, scratch_);
    }
    out += '}';
  }

  void append_binary(uint64_t row, std::string &out) override {
    if (as_json_) return append_json(row, out);
    auto [off, len] = entry(row);
    uint32_t elem_oid = child_->pg_type().oid;
    if (len == 0) {
      put_u32(out, 0);
      put_u32(out, 0);
      put_u32(out, elem_oid);
      return;
    }
    bool has_null = false;
    for (uint64_t i = 0; i < len && !has_null; ++i) has_null = child_->is_null(off + i);
    put_u32(out, 1);
    put_u32(out, has_null ? 1 : 0);
    put_u32(out, elem_oid);
    put_u32(out, uint32_t(len));
    put_u32(out, 1);
    for (uint64_t i = 0; i < len; ++i) {
      if (child_->is_null(off + i)) {
        put_u32(out, 0xFFFFFFFFu);
        continue;
      }
      size_t at_len = out.size();
      out.append(4, '\0');
      child_->append_binary(off + i, out);
      patch_u32(out, at_len, uint32_t(out.size() - at_len - 4));
    }
  }

  void append_json(uint64_t row, std::string &out) override {
    auto [off, len] = entry(row);
    out += '[';
    for (uint64_t i = 0; i < len; ++i) {
      if (i) out += ',';
      append_child_json(*child_, off + i, out);
    }
    out += ']';
  }

 protected:
  void on_vector(duckdb_vector v) override {
    child_->ensure_rows(fixed_ ? size_ * std::max<uint64_t>(rows_, duckdb_vector_size())
                               : duckdb_list_vector_get_size(v));
    child_->set_vector(fixed_ ? duckdb_array_vector_get_child(v) : duckdb_list_vector_get_child(v));
  }
  void ensure_rows(uint64_t rows) override { rows_ = rows; }

 private:
  std::pair<uint64_t, uint64_t> entry(uint64_t row) const {
    if (fixed_) return {row * size_, size_};
    const auto &e = at<duckdb_list_entry>(row);
    return {e.offset, e.length};
  }
  EncoderPtr child_;
  bool fixed_;
  uint64_t size_;
  bool as_json_;
  uint64_t rows_ = 0;
};

class StructEncoder final : public JsonValueEncoder {
 public:
  StructEncoder(PgType t, duckdb_logical_type type, const TextOptions &options) : JsonValueEncoder(t) {
    idx_t n = duckdb_struct_type_child_count(type);
    for (idx_t i = 0; i < n; ++i) {
      std::string key;
      append_json_string(key, duck::take_string(duckdb_struct_type_child_name(type, i)));
      key += ':';
      keys_.push_back(std::move(key));
      duck::LogicalType child(duckdb_struct_type_child_type(type, i));
      children_.push_back(build_encoder(child.get(), options));
    }
  }
  void append_json(uint64_t row, std::string &out) override {
    out += '{';
    for (size_t i = 0; i < children_.size(); ++i) {
      if (i) out += ',';
      out += keys_[i];
      append_child_json(*children_[i], row, out);
    }
    out += '}';
  }

 protected:
  void ensure_rows(uint64_t rows) override {
    for (auto &c : children_) c->ensure_rows(rows);
  }
  void on_vector(duckdb_vector v) override {
    for (size_t i = 0; i < children_.size(); ++i) children_[i]->set_vector(duckdb_struct_vector_get_child(v, i));
  }

 private:
  std::vector<std::string> keys_;
  std::vector<EncoderPtr> children_;
};

// MAP: an object when keys are strings, else an array of {"key":..,"value":..}.
class MapEncoder final : public JsonValueEncoder {
 public:
  MapEncoder(PgType t, duckdb_logical_type type, const TextOptions &options) : JsonValueEncoder(t) {
    duck::LogicalType key(duckdb_map_type_key_type(type)), value(duckdb_map_type_value_type(type));
    duckdb_type kid = type_id(key.get());
    object_ = (kid == DUCKDB_TYPE_VARCHAR && !has_json_alias(key.get())) || kid == DUCKDB_TYPE_ENUM;
    key_ = build_encoder(key.get(), options);
    value_ = build_encoder(value.get(), options);
  }
  void append_json(uint64_t row, std::string &out) override {
    const auto &e = at<duckdb_list_entry>(row);
    out += object_ ? '{' : '[';
    for (uint64_t i = 0; i < e.length; ++i) {
      uint64_t r = e.offset + i;
      if (i) out += ',';
      if (object_) {
        append_child_json(*key_, r, out);
        out += ':';
      } else {
        out += "{\"key\":";
        append_child_json(*key_, r, out);
        out += ",\"value\":";
      }
      append_child_json(*value_, r, out);
      if (!object_) out += '}';
    }
    out += object_ ? '}' : ']';
  }

 protected:
  void on_vector(duckdb_vector v) override {
    duckdb_vector entries = duckdb_list_vector_get_child(v);
    key_->ensure_rows(duckdb_list_vector_get_size(v));
    value_->ensure_rows(duckdb_list_vector_get_size(v));
    key_->set_vector(duckdb_struct_vector_get_child(entries, 0));
    value_->set_vector(duckdb_struct_vector_get_child(entries, 1));
  }

 private:
  bool object_ = false;
  EncoderPtr key_, value_;
};

// UNION is stored as a struct whose first child is the member tag; the value is the active member.
class UnionEncoder final : public JsonValueEncoder {
 public:
  UnionEncoder(PgType t, duckdb_logical_type type, const TextOptions &options) : JsonValueEncoder(t) {
    idx_t n = duckdb_union_type_member_count(type);
    for (idx_t i = 0; i < n; ++i) {
      duck::LogicalType member(duckdb_union_type_member_type(type, i));
      members_.push_back(build_encoder(member.get(), options));
    }
  }
  void append_json(uint64_t row, std::string &out) override {
    uint8_t tag = tags_[row];
    if (tag >= members_.size()) {
      out += "null";
      return;
    }
    append_child_json(*members_[tag], row, out);
  }

 protected:
  void ensure_rows(uint64_t rows) override {
    for (auto &m : members_) m->ensure_rows(rows);
  }
  void on_vector(duckdb_vector v) override {
    tags_ = static_cast<const uint8_t *>(duckdb_vector_get_data(duckdb_struct_vector_get_child(v, 0)));
    for (size_t i = 0; i < members_.size(); ++i) members_[i]->set_vector(duckdb_struct_vector_get_child(v, i + 1));
  }

 private:
  const uint8_t *tags_ = nullptr;
  std::vector<EncoderPtr> members_;
};

// Types that never reach a result set (DuckDB's binder-only types): an empty text value, since
// the C API offers no way to read an element of unknown layout.
class FallbackEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void append_text(uint64_t, std::string &) override {}
  void append_binary(uint64_t, std::string &) override {}
};

EncoderPtr build_encoder(duckdb_logical_type type, const TextOptions &options) {
  PgType pg = pg_type_of(type);
  switch (type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN: return std::make_unique<BoolEncoder>(pg);
    case DUCKDB_TYPE_TINYINT: return std::make_unique<IntEncoder<int8_t, int16_t>>(pg);
    case DUCKDB_TYPE_UTINYINT: return std::make_unique<IntEncoder<uint8_t, int16_t>>(pg);
    case DUCKDB_TYPE_SMALLINT: return std::make_unique<IntEncoder<int16_t, int16_t>>(pg);
    case DUCKDB_TYPE_USMALLINT: return std::make_unique<IntEncoder<uint16_t, int32_t>>(pg);
    case DUCKDB_TYPE_INTEGER: return std::make_unique<IntEncoder<int32_t, int32_t>>(pg);
    case DUCKDB_TYPE_UINTEGER: return std::make_unique<IntEncoder<uint32_t, uint32_t>>(pg);
    case DUCKDB_TYPE_BIGINT: return std::make_unique<IntEncoder<int64_t, int64_t>>(pg);
    case DUCKDB_TYPE_UBIGINT: return std::make_unique<NumericEncoder<uint64_t>>(pg, 0);
    case DUCKDB_TYPE_HUGEINT: return std::make_unique<NumericEncoder<duckdb_hugeint>>(pg, 0);
    case DUCKDB_TYPE_UHUGEINT: return std::make_unique<NumericEncoder<duckdb_uhugeint>>(pg, 0);
    case DUCKDB_TYPE_BIGNUM: return std::make_unique<BignumEncoder>(pg);
    case DUCKDB_TYPE_DECIMAL: {
      int scale = duckdb_decimal_scale(type);
      switch (duckdb_decimal_internal_type(type)) {
        case DUCKDB_TYPE_SMALLINT: return std::make_unique<NumericEncoder<int16_t>>(pg, scale);
        case DUCKDB_TYPE_INTEGER: return std::make_unique<NumericEncoder<int32_t>>(pg, scale);
        case DUCKDB_TYPE_BIGINT: return std::make_unique<NumericEncoder<int64_t>>(pg, scale);
        default:
          return std::make_unique<NumericEncoder<duckdb_hugeint>>(
              pg, scale, unconstrained_numeric(duckdb_decimal_width(type), scale));
      }
    }
    case DUCKDB_TYPE_FLOAT: return std::make_unique<FloatEncoder<float>>(pg);
    case DUCKDB_TYPE_DOUBLE: return std::make_unique<FloatEncoder<double>>(pg);
    case DUCKDB_TYPE_VARCHAR:
      if (pg.oid == oid::kOidVector) return std::make_unique<OidVectorEncoder>(pg);
      return std::make_unique<StringEncoder>(pg, pg.oid == oid::kJson);
    case DUCKDB_TYPE_BLOB: return std::make_unique<BlobEncoder>(pg);
    case DUCKDB_TYPE_DATE: return std::make_unique<DateEncoder>(pg);
    case DUCKDB_TYPE_TIME: return std::make_unique<TimeEncoder<1>>(pg);
    case DUCKDB_TYPE_TIME_NS: return std::make_unique<TimeEncoder<1000>>(pg);
    case DUCKDB_TYPE_TIME_TZ: return std::make_unique<TimeTzEncoder>(pg);
    case DUCKDB_TYPE_TIMESTAMP: return std::make_unique<TimestampEncoder<TsUnit::kMicro, false>>(pg, 0);
    case DUCKDB_TYPE_TIMESTAMP_S: return std::make_unique<TimestampEncoder<TsUnit::kSec, false>>(pg, 0);
    case DUCKDB_TYPE_TIMESTAMP_MS: return std::make_unique<TimestampEncoder<TsUnit::kMilli, false>>(pg, 0);
    case DUCKDB_TYPE_TIMESTAMP_NS: return std::make_unique<TimestampEncoder<TsUnit::kNano, false>>(pg, 0);
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return std::make_unique<TimestampEncoder<TsUnit::kMicro, true>>(pg, options.utc_offset_seconds, options.zone);
    case DUCKDB_TYPE_INTERVAL: return std::make_unique<IntervalEncoder>(pg, options.iso_8601_intervals);
    case DUCKDB_TYPE_UUID: return std::make_unique<UuidEncoder>(pg);
    case DUCKDB_TYPE_ENUM:
      switch (duckdb_enum_internal_type(type)) {
        case DUCKDB_TYPE_UTINYINT: return std::make_unique<EnumEncoder<uint8_t>>(pg, type);
        case DUCKDB_TYPE_USMALLINT: return std::make_unique<EnumEncoder<uint16_t>>(pg, type);
        default: return std::make_unique<EnumEncoder<uint32_t>>(pg, type);
      }
    case DUCKDB_TYPE_BIT: return std::make_unique<BitEncoder>(pg);
    case DUCKDB_TYPE_SQLNULL: return std::make_unique<NullEncoder>(pg);
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: {
      bool fixed = type_id(type) == DUCKDB_TYPE_ARRAY;
      duck::LogicalType child = child_type_of(type);
      uint64_t size = fixed ? duckdb_array_type_array_size(type) : 0;
      return std::make_unique<ListEncoder>(pg, build_encoder(child.get(), options), fixed, size);
    }
    case DUCKDB_TYPE_STRUCT: return std::make_unique<StructEncoder>(pg, type, options);
    case DUCKDB_TYPE_MAP: return std::make_unique<MapEncoder>(pg, type, options);
    case DUCKDB_TYPE_UNION: return std::make_unique<UnionEncoder>(pg, type, options);
    default: return std::make_unique<FallbackEncoder>(pg);
  }
}

}  // namespace

std::unique_ptr<ColumnEncoder> ColumnEncoder::make(duckdb_logical_type type, const TextOptions &options) {
  return build_encoder(type, options);
}

// =============================================================================================
// Decoding.

namespace {

const char *oid_name(uint32_t oid) {
  switch (oid) {
    case oid::kBool: return "boolean";
    case oid::kBytea: return "bytea";
    case oid::kChar: return "\"char\"";
    case oid::kName: return "name";
    case oid::kInt8: return "bigint";
    case oid::kInt2: return "smallint";
    case oid::kInt4: return "integer";
    case oid::kText: return "text";
    case oid::kOid: return "oid";
    case oid::kJson: return "json";
    case oid::kFloat4: return "real";
    case oid::kFloat8: return "double precision";
    case oid::kVarchar: return "character varying";
    case oid::kBpchar: return "character";
    case oid::kDate: return "date";
    case oid::kTime: return "time without time zone";
    case oid::kTimestamp: return "timestamp without time zone";
    case oid::kTimestamptz: return "timestamp with time zone";
    case oid::kInterval: return "interval";
    case oid::kTimetz: return "time with time zone";
    case oid::kBit: return "bit";
    case oid::kVarbit: return "bit varying";
    case oid::kNumeric: return "numeric";
    case oid::kUuid: return "uuid";
    case oid::kJsonb: return "jsonb";
    case oid::kUnknown: return "unknown";
    default: return element_oid_for(oid) ? "array" : "unknown";
  }
}

[[noreturn]] void bad_binary(uint32_t oid, std::string_view why = {}) {
  std::string msg = std::string("incorrect binary data format for type ") + oid_name(oid);
  if (!why.empty()) {
    msg += ": ";
    msg += why;
  }
  throw Error(sqlstate::kInvalidBinaryRepresentation, msg);
}

[[noreturn]] void bad_text(uint32_t oid, std::string_view text) {
  throw Error(sqlstate::kInvalidTextRepresentation,
              std::string("invalid input syntax for type ") + oid_name(oid) + ": \"" + std::string(text) + "\"");
}

[[noreturn]] void bad_array_literal(std::string_view text, std::string_view detail) {
  throw Error(sqlstate::kInvalidTextRepresentation, "malformed array literal: \"" + std::string(text) + "\"", 0,
              std::string(detail));
}

// Rejects what PostgreSQL's UTF8 verifier rejects: malformed or overlong sequences, surrogates,
// code points above U+10FFFF and NUL bytes.
void check_utf8(std::string_view s) {
  const auto *p = reinterpret_cast<const unsigned char *>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      uint64_t chunk;
      std::memcpy(&chunk, p + i, 8);
      // Plain ASCII without NUL bytes: no high bit set, and no byte equal to zero.
      if ((chunk & 0x8080808080808080ull) != 0 || ((chunk - 0x0101010101010101ull) & ~chunk & 0x8080808080808080ull))
        break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0x01 && c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      len = 0;
    }
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      unsigned char cc = p[i + k];
      ok = k == 1 ? (cc >= lo && cc <= hi) : (cc >= 0x80 && cc <= 0xBF);
    }
    if (!ok) {
      size_t show = (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
      show = std::min(show, n - i);
      std::string msg = "invalid byte sequence for encoding \"UTF8\": ";
      for (size_t k = 0; k < show; ++k) {
        if (k) msg += ' ';
        msg += "0x";
        msg += kHex[p[i + k] >> 4];
        msg += kHex[p[i + k] & 15];
      }
      throw Error(sqlstate::kCharacterNotInRepertoire, msg);
    }
    i += len;
  }
}

duck::Value checked(duckdb_value v) {
  if (!v) throw Error(sqlstate::kInternalError, "could not create a DuckDB value");
  return duck::Value(v);
}

duck::Value make_varchar(std::string_view s) { return checked(duckdb_create_varchar_length(s.data(), s.size())); }

duck::Value make_blob(std::string_view s) {
  return checked(duckdb_create_blob(reinterpret_cast<const uint8_t *>(s.data()), s.size()));
}

// DuckDB type of a PostgreSQL type, for list children when the target type is unknown. Null
// for numeric, whose scale is only known from the values.
duck::LogicalType duck_type_for_oid(uint32_t oid) {
  duckdb_type t;
  switch (oid) {
    case oid::kBool: t = DUCKDB_TYPE_BOOLEAN; break;
    case oid::kInt2: t = DUCKDB_TYPE_SMALLINT; break;
    case oid::kInt4: t = DUCKDB_TYPE_INTEGER; break;
    case oid::kInt8: t = DUCKDB_TYPE_BIGINT; break;
    case oid::kOid: t = DUCKDB_TYPE_UINTEGER; break;
    case oid::kFloat4: t = DUCKDB_TYPE_FLOAT; break;
    case oid::kFloat8: t = DUCKDB_TYPE_DOUBLE; break;
    case oid::kBytea: t = DUCKDB_TYPE_BLOB; break;
    case oid::kDate: t = DUCKDB_TYPE_DATE; break;
    case oid::kTime: t = DUCKDB_TYPE_TIME; break;
    case oid::kTimetz: t = DUCKDB_TYPE_TIME_TZ; break;
    case oid::kTimestamp: t = DUCKDB_TYPE_TIMESTAMP; break;
    case oid::kTimestamptz: t = DUCKDB_TYPE_TIMESTAMP_TZ; break;
    case oid::kInterval: t = DUCKDB_TYPE_INTERVAL; break;
    case oid::kUuid: t = DUCKDB_TYPE_UUID; break;
    case oid::kBit:
    case oid::kVarbit: t = DUCKDB_TYPE_BIT; break;
    case oid::kNumeric: return {};
    default: t = DUCKDB_TYPE_VARCHAR; break;
  }
  return duck::LogicalType(duckdb_create_logical_type(t));
}

inline bool is_generic_oid(uint32_t oid) { return oid == 0 || oid == oid::kUnknown; }

// ---------------------------------------------------------------------------------------------
// Text input that PostgreSQL spells differently from DuckDB.

bool parse_bool(std::string_view s, bool &out) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return false;
  auto prefix_of = [&](const char *word, size_t min_len) {
    return s.size() >= min_len && s.size() <= std::strlen(word) && strncasecmp(s.data(), word, s.size()) == 0;
  };
  switch (s[0]) {
    case 't': case 'T': out = true; return prefix_of("true", 1);
    case 'f': case 'F': out = false; return prefix_of("false", 1);
    case 'y': case 'Y': out = true; return prefix_of("yes", 1);
    case 'n': case 'N': out = false; return prefix_of("no", 1);
    case 'o': case 'O':
      if (prefix_of("on", 2)) {
        out = true;
        return true;
      }
      out = false;
      return prefix_of("off", 3);
    case '1': out = true; return s.size() == 1;
    case '0': out = false; return s.size() == 1;
    default: return false;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string parse_bytea(std::string_view s) {
  std::string out;
  if (s.size() >= 2 && s[0] == '\\' && s[1] == 'x') {
    out.reserve((s.size() - 2) / 2);
    for (size_t i = 2; i < s.size();) {
      char c = s[i];
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
        ++i;
        continue;
      }
      int hi = hex_value(c);
      if (hi < 0)
        throw Error(sqlstate::kInvalidParameterValue, "invalid hexadecimal digit: \"" + std::string(1, c) + "\"");
      if (i + 1 >= s.size())
        throw Error(sqlstate::kInvalidParameterValue, "invalid hexadecimal data: odd number of digits");
      int lo = hex_value(s[i + 1]);
      if (lo < 0)
        throw Error(sqlstate::kInvalidParameterValue,
                    "invalid hexadecimal digit: \"" + std::string(1, s[i + 1]) + "\"");
      out += char(hi << 4 | lo);
      i += 2;
    }
    return out;
  }
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out += s[i++];
    } else if (i + 1 < s.size() && s[i + 1] == '\\') {
      out += '\\';
      i += 2;
    } else if (i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
               s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += char((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
      i += 4;
    } else {
      bad_text(oid::kBytea, s);
    }
  }
  return out;
}

// A parsed PostgreSQL array literal.
struct ArrayNode {
  bool is_null = false;
  bool is_array = false;
  std::string text;
  std::vector<ArrayNode> items;
};

class ArrayLiteralParser {
 public:
  explicit ArrayLiteralParser(std::string_view s) : s_(s) {}

  ArrayNode parse() {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '[') skip_dimensions();
    if (pos_ >= s_.size() || s_[pos_] != '{')
      bad_array_literal(s_, "Array value must start with \"{\" or dimension information.");
    ArrayNode root = parse_level(0);
    skip_space();
    if (pos_ != s_.size()) bad_array_literal(s_, "Junk after closing right brace.");
    return root;
  }

 private:
  void skip_space() {
    while (pos_ < s_.size() && array_space(s_[pos_])) ++pos_;
  }
  void skip_dimensions() {
    while (pos_ < s_.size() && s_[pos_] == '[') {
      size_t close = s_.find(']', pos_);
      if (close == std::string_view::npos) bad_array_literal(s_, "Missing \"]\" after array dimensions.");
      pos_ = close + 1;
      skip_space();
    }
    if (pos_ >= s_.size() || s_[pos_] != '=') bad_array_literal(s_, "Missing \"=\" after array dimensions.");
    ++pos_;
    skip_space();
  }
  ArrayNode parse_level(int depth) {
    if (depth >= 6) bad_array_literal(s_, "Too many array dimensions.");
    ArrayNode node;
    node.is_array = true;
    ++pos_;  // '{'
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return node;
    }
    while (true) {
      skip_space();
      if (pos_ >= s_.size()) bad_array_literal(s_, "Unexpected end of input.");
      if (s_[pos_] == '{') {
        node.items.push_back(parse_level(depth + 1));
      } else {
        node.items.push_back(parse_element());
      }
      skip_space();
      if (pos_ >= s_.size()) bad_array_literal(s_, "Unexpected end of input.");
      char c = s_[pos_++];
      if (c == '}') return node;
      if (c != ',') bad_array_literal(s_, "Unexpected array element.");
    }
  }
  ArrayNode parse_element() {
    ArrayNode node;
    if (s_[pos_] == '"') {
      ++pos_;
      while (true) {
        if (pos_ >= s_.size()) bad_array_literal(s_, "Unexpected end of input.");
        char c = s_[pos_++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos_ >= s_.size()) bad_array_literal(s_, "Unexpected end of input.");
          c = s_[pos_++];
        }
        node.text += c;
      }
      return node;
    }
    bool escaped = false;
    size_t keep = 0;  // length up to the last character that is not trailing unescaped space
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ',' || c == '}') break;
      if (c == '{' || c == '"') bad_array_literal(s_, "Unexpected array element.");
      ++pos_;
      if (c == '\\') {
        if (pos_ >= s_.size()) bad_array_literal(s_, "Unexpected end of input.");
        node.text += s_[pos_++];
        escaped = true;
        keep = node.text.size();
        continue;
      }
      node.text += c;
      if (!array_space(c)) keep = node.text.size();
    }
    node.text.resize(keep);
    if (node.text.empty() && !escaped) bad_array_literal(s_, "Unexpected array element.");
    if (!escaped && node.text.size() == 4 && strncasecmp(node.text.data(), "null", 4) == 0) node.is_null = true;
    return node;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

duck::Value decode_text(std::string_view s, uint32_t pg_oid, duckdb_logical_type target);
duck::Value decode_binary(std::string_view s, uint32_t pg_oid, duckdb_logical_type target);

// Builds a DuckDB list value from element values; `child` is the element type. When DuckDB
// refuses (an element that does not cast), reports the first element that fails.
duck::Value make_list(duckdb_logical_type list_target, duckdb_logical_type child, std::vector<duck::Value> &items,
                      const std::vector<std::string> *texts, uint32_t elem_oid, bool binary) {
  // The C API refuses a null values pointer even for an empty list.
  std::vector<duckdb_value> raw(std::max<size_t>(items.size(), 1), nullptr);
  for (size_t i = 0; i < items.size(); ++i) raw[i] = items[i].get();
  const idx_t count = items.size();
  duckdb_value v = nullptr;
  if (list_target && type_id(list_target) == DUCKDB_TYPE_ARRAY && duckdb_array_type_array_size(list_target) == count) {
    v = duckdb_create_array_value(child, raw.data(), count);
  } else {
    v = duckdb_create_list_value(child, raw.data(), count);
  }
  if (v) return duck::Value(v);
  for (size_t i = 0; i < count; ++i) {
    duckdb_value one = duckdb_create_list_value(child, &raw[i], 1);
    if (one) {
      duckdb_destroy_value(&one);
      continue;
    }
    if (binary) bad_binary(elem_oid, "array element " + std::to_string(i + 1) + " does not fit the element type");
    bad_text(elem_oid, texts ? std::string_view((*texts)[i]) : std::string_view());
  }
  throw Error(binary ? sqlstate::kInvalidBinaryRepresentation : sqlstate::kInvalidTextRepresentation,
              "array value does not fit the target type");
}

// Element type for list values whose target is unknown; numeric derives its scale from values.
duck::LogicalType leaf_type(uint32_t elem_oid, const std::vector<duck::Value> &leaves) {
  duck::LogicalType t = duck_type_for_oid(elem_oid);
  if (t) return t;
  // Numeric elements decode to BIGINT, HUGEINT, DECIMAL, DOUBLE (NaN, infinities) or VARCHAR
  // (too wide); pick the narrowest type that holds them all.
  int scale = 0;
  bool any_varchar = false, any_double = false, any_decimal = false, any_huge = false;
  for (const auto &v : leaves) {
    if (duckdb_is_null_value(v.get())) continue;
    duckdb_logical_type vt = duckdb_get_value_type(v.get());
    switch (type_id(vt)) {
      case DUCKDB_TYPE_DECIMAL:
        any_decimal = true;
        scale = std::max<int>(scale, duckdb_decimal_scale(vt));
        break;
      case DUCKDB_TYPE_HUGEINT: any_huge = true; break;
      case DUCKDB_TYPE_DOUBLE: any_double = true; break;
      case DUCKDB_TYPE_BIGINT: break;
      default: any_varchar = true; break;
    }
  }
  duckdb_type id = any_varchar  ? DUCKDB_TYPE_VARCHAR
                   : any_double ? DUCKDB_TYPE_DOUBLE
                   : any_decimal ? DUCKDB_TYPE_DECIMAL
                   : any_huge   ? DUCKDB_TYPE_HUGEINT
                                : DUCKDB_TYPE_BIGINT;
  if (id == DUCKDB_TYPE_DECIMAL) return duck::LogicalType(duckdb_create_decimal_type(38, uint8_t(std::min(scale, 38))));
  return duck::LogicalType(duckdb_create_logical_type(id));
}

bool is_list_type(duckdb_logical_type t) {
  return t && (type_id(t) == DUCKDB_TYPE_LIST || type_id(t) == DUCKDB_TYPE_ARRAY);
}

// Assembles nested list values from a flat run of leaves (row-major), one level per dimension.
class ListAssembler {
 public:
  ListAssembler(duckdb_logical_type target, int ndim, uint32_t elem_oid, bool binary)
      : elem_oid_(elem_oid), binary_(binary) {
    duckdb_logical_type t = target;
    for (int d = 0; d < ndim; ++d) {
      if (is_list_type(t)) {
        level_targets_.push_back(t);
        owned_.push_back(child_type_of(t));
        t = owned_.back().get();
      } else {
        level_targets_.push_back(nullptr);
        t = nullptr;
      }
    }
    leaf_target_ = is_list_type(t) ? nullptr : t;
  }
  duckdb_logical_type leaf_target() const { return leaf_target_; }

  // `shape` holds, per level, the child counts of every node at that level (depth-first order).
  duck::Value assemble(std::vector<duck::Value> &leaves, const std::vector<std::string> *texts,
                       const std::vector<std::vector<size_t>> &shape) {
    // child_of[d]: element type of the lists built at depth d, worked out from the leaves up.
    const int ndim = int(level_targets_.size());
    std::vector<duck::LogicalType> child_types(static_cast<size_t>(ndim));
    duck::LogicalType leaf = leaf_target_ ? duck::LogicalType() : leaf_type(elem_oid_, leaves);
    duckdb_logical_type inner = leaf_target_ ? leaf_target_ : leaf.get();
    std::vector<duckdb_logical_type> child_of(static_cast<size_t>(ndim));
    for (int d = ndim - 1; d >= 0; --d) {
      child_of[size_t(d)] = inner;
      if (d > 0) {
        if (level_targets_[size_t(d)]) {
          inner = level_targets_[size_t(d)];
        } else {
          child_types[size_t(d)] = duck::LogicalType(duckdb_create_list_type(inner));
          inner = child_types[size_t(d)].get();
        }
      }
    }
    std::vector<duck::Value> current = std::move(leaves);
    const std::vector<std::string> *current_texts = texts;
    for (int d = ndim - 1; d >= 0; --d) {
      std::vector<duck::Value> next;
      size_t at = 0;
      for (size_t count : shape[size_t(d)]) {
        std::vector<duck::Value> items;
        std::vector<std::string> item_texts;
        for (size_t k = 0; k < count; ++k) {
          items.push_back(std::move(current[at]));
          if (current_texts) item_texts.push_back((*current_texts)[at]);
          ++at;
        }
        next.push_back(make_list(level_targets_[size_t(d)], child_of[size_t(d)], items,
                                 current_texts ? &item_texts : nullptr, elem_oid_, binary_));
      }
      current = std::move(next);
      current_texts = nullptr;
    }
    return std::move(current.front());
  }

 private:
  uint32_t elem_oid_;
  bool binary_;
  std::vector<duckdb_logical_type> level_targets_;
  std::vector<duck::LogicalType> owned_;
  duckdb_logical_type leaf_target_ = nullptr;
};

int array_depth(const ArrayNode &n) {
  if (!n.is_array) return 0;
  int d = 0;
  for (const auto &c : n.items) d = std::max(d, array_depth(c));
  return d + 1;
}

void flatten(const ArrayNode &n, int depth, int ndim, std::vector<std::vector<size_t>> &shape,
             std::vector<const ArrayNode *> &leaves, std::string_view literal) {
  shape[size_t(depth)].push_back(n.items.size());
  for (const auto &c : n.items) {
    if (depth + 1 < ndim) {
      if (!c.is_array)
        bad_array_literal(literal, "Multidimensional arrays must have sub-arrays with matching dimensions.");
      flatten(c, depth + 1, ndim, shape, leaves, literal);
    } else {
      if (c.is_array)
        bad_array_literal(literal, "Multidimensional arrays must have sub-arrays with matching dimensions.");
      leaves.push_back(&c);
    }
  }
}

duck::Value decode_text_array(std::string_view s, uint32_t elem_oid, duckdb_logical_type target) {
  ArrayNode root = ArrayLiteralParser(s).parse();
  int ndim = std::max(1, array_depth(root));
  std::vector<std::vector<size_t>> shape(static_cast<size_t>(ndim));
  std::vector<const ArrayNode *> nodes;
  flatten(root, 0, ndim, shape, nodes, s);
  ListAssembler assembler(target, ndim, elem_oid, false);
  std::vector<duck::Value> leaves;
  std::vector<std::string> texts;
  leaves.reserve(nodes.size());
  for (const ArrayNode *n : nodes) {
    texts.push_back(n->text);
    leaves.push_back(n->is_null ? checked(duckdb_create_null_value())
                                : decode_text(n->text, elem_oid, assembler.leaf_target()));
  }
  return assembler.assemble(leaves, &texts, shape);
}

// PostgreSQL spellings that DuckDB's casts misread: "YYYY-MM-DD ... BC" (DuckDB ignores the
// suffix on dates and rejects it on timestamps) and intervals in ISO 8601, SQL-standard fields or
// with an explicit '+' (common/pg_interval.hpp).
bool rewrite_for_duckdb(std::string_view s, uint32_t pg_oid, duckdb_type tid, std::string &out) {
  auto is = [&](uint32_t o, duckdb_type t) { return pg_oid == o || (is_generic_oid(pg_oid) && tid == t); };
  if (is(oid::kInterval, DUCKDB_TYPE_INTERVAL)) {
    auto readable = interval_for_duckdb(s);
    if (!readable) return false;
    out = std::move(*readable);
    return true;
  }
  if (!is(oid::kDate, DUCKDB_TYPE_DATE) && !is(oid::kTimestamp, DUCKDB_TYPE_TIMESTAMP) &&
      !is(oid::kTimestamptz, DUCKDB_TYPE_TIMESTAMP_TZ))
    return false;
  std::string_view t = s;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  if (t.size() < 4 || strncasecmp(t.data() + t.size() - 3, " BC", 3) != 0) return false;
  t.remove_suffix(3);
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  int64_t year = 0;
  if (digits == 0 || digits > 9 || std::from_chars(t.data(), t.data() + digits, year).ec != std::errc() || year < 1)
    return false;
  // Year N BC is astronomical year 1 - N, which DuckDB reads with a leading minus.
  out.clear();
  if (year > 1) out += '-';
  char buf[16];
  int n = int(std::to_chars(buf, buf + sizeof buf, year - 1).ptr - buf);
  out.append(size_t(std::max(0, 4 - n)), '0');
  out.append(buf, size_t(n));
  out.append(t.substr(digits));
  return true;
}

duck::Value decode_text(std::string_view s, uint32_t pg_oid, duckdb_logical_type target) {
  duckdb_type tid = target ? type_id(target) : DUCKDB_TYPE_INVALID;
  if (pg_oid == oid::kBool || (tid == DUCKDB_TYPE_BOOLEAN && (is_generic_oid(pg_oid) || pg_oid == oid::kText ||
                                                               pg_oid == oid::kVarchar))) {
    bool b;
    if (parse_bool(s, b)) return checked(duckdb_create_bool(b));
    if (pg_oid == oid::kBool) bad_text(oid::kBool, s);
    return make_varchar(s);
  }
  if (pg_oid == oid::kBytea || (tid == DUCKDB_TYPE_BLOB && is_generic_oid(pg_oid))) return make_blob(parse_bytea(s));
  uint32_t elem = element_oid_for(pg_oid);
  bool list_target = tid == DUCKDB_TYPE_LIST || tid == DUCKDB_TYPE_ARRAY;
  if (list_target || (!target && elem)) {
    size_t first = 0;
    while (first < s.size() && array_space(s[first])) ++first;
    bool literal = first < s.size() && (s[first] == '{' || (s[first] == '[' && s.find('=') != std::string_view::npos));
    if (literal || (elem && !list_target)) {
      if (!elem) {
        duckdb_logical_type t = target;
        duck::LogicalType holder;
        while (is_list_type(t)) {
          holder = child_type_of(t);
          t = holder.get();
        }
        elem = scalar_pg_type(t).oid;
      }
      return decode_text_array(s, elem, target);
    }
  }
  // Integers are parsed here, so malformed input fails at Bind with PostgreSQL's message (and the
  // value reaches DuckDB already typed).
  uint32_t int_oid = pg_oid == oid::kInt2 || pg_oid == oid::kInt4 || pg_oid == oid::kInt8 ? pg_oid
                     : !is_generic_oid(pg_oid)                                              ? 0
                     : tid == DUCKDB_TYPE_SMALLINT                                          ? oid::kInt2
                     : tid == DUCKDB_TYPE_INTEGER                                           ? oid::kInt4
                     : tid == DUCKDB_TYPE_BIGINT                                            ? oid::kInt8
                                                                                            : 0;
  if (int_oid) {
    std::string_view t = s;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || (ec != std::errc() && ec != std::errc::result_out_of_range) || end != t.data() + t.size())
      bad_text(int_oid, s);
    int64_t lo = int_oid == oid::kInt2 ? INT16_MIN : int_oid == oid::kInt4 ? INT32_MIN : INT64_MIN;
    int64_t hi = int_oid == oid::kInt2 ? INT16_MAX : int_oid == oid::kInt4 ? INT32_MAX : INT64_MAX;
    if (ec == std::errc::result_out_of_range || v < lo || v > hi)
      throw Error(sqlstate::kNumericValueOutOfRange,
                  "value \"" + std::string(s) + "\" is out of range for type " + oid_name(int_oid));
    if (int_oid == oid::kInt2) return checked(duckdb_create_int16(static_cast<int16_t>(v)));
    if (int_oid == oid::kInt4) return checked(duckdb_create_int32(static_cast<int32_t>(v)));
    return checked(duckdb_create_int64(v));
  }
  std::string rewritten;
  if (rewrite_for_duckdb(s, pg_oid, tid, rewritten)) return make_varchar(rewritten);
  return make_varchar(s);
}

// ---------------------------------------------------------------------------------------------
// Binary input (PostgreSQL send formats).

class Reader {
 public:
  Reader(std::string_view s, uint32_t oid)
      : p_(reinterpret_cast<const unsigned char *>(s.data())), end_(p_ + s.size()), oid_(oid) {}
  size_t left() const { return size_t(end_ - p_); }
  void need(size_t n) const {
    if (left() < n) bad_binary(oid_, "insufficient data");
  }
  uint16_t u16() {
    need(2);
    uint16_t v = uint16_t(p_[0] << 8 | p_[1]);
    p_ += 2;
    return v;
  }
  uint32_t u32() {
    need(4);
    uint32_t v;
    std::memcpy(&v, p_, 4);
    p_ += 4;
    return __builtin_bswap32(v);
  }
  uint64_t u64() {
    need(8);
    uint64_t v;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    return __builtin_bswap64(v);
  }
  std::string_view bytes(size_t n) {
    need(n);
    std::string_view v(reinterpret_cast<const char *>(p_), n);
    p_ += n;
    return v;
  }
  void finish() const {
    if (p_ != end_) bad_binary(oid_, "trailing bytes");
  }

 private:
  const unsigned char *p_, *end_;
  uint32_t oid_;
};

void expect_size(std::string_view s, size_t n, uint32_t oid) {
  if (s.size() != n) bad_binary(oid, "expected " + std::to_string(n) + " bytes, got " + std::to_string(s.size()));
}

duck::Value decode_numeric(std::string_view s, duckdb_logical_type target) {
  Reader r(s, oid::kNumeric);
  uint16_t ndigits = r.u16();
  int16_t weight = int16_t(r.u16());
  uint16_t sign = r.u16();
  uint16_t dscale = r.u16();
  if (r.left() != size_t(ndigits) * 2) bad_binary(oid::kNumeric, "digit count does not match the length");
  std::vector<uint16_t> groups(ndigits);
  for (auto &g : groups) {
    g = r.u16();
    if (g >= 10000) bad_binary(oid::kNumeric, "invalid digit");
  }
  if (sign == 0xC000) return checked(duckdb_create_double(std::numeric_limits<double>::quiet_NaN()));
  if (sign == 0xD000) return checked(duckdb_create_double(std::numeric_limits<double>::infinity()));
  if (sign == 0xF000) return checked(duckdb_create_double(-std::numeric_limits<double>::infinity()));
  if (sign != 0x0000 && sign != 0x4000) bad_binary(oid::kNumeric, "invalid sign");
  if (dscale > 0x3FFF) bad_binary(oid::kNumeric, "invalid scale");
  // Unscaled magnitude at scale dscale; digits past dscale are truncated, as PostgreSQL does.
  auto group_at = [&](int64_t w) -> uint16_t {
    int64_t i = int64_t(weight) - w;
    return (i >= 0 && i < int64_t(ndigits)) ? groups[size_t(i)] : 0;
  };
  std::string digits;
  for (int64_t w = weight; w >= 0; --w) {
    char buf[4];
    uint16_t g = group_at(w);
    for (int k = 3; k >= 0; --k) {
      buf[k] = char('0' + g % 10);
      g /= 10;
    }
    digits.append(buf, 4);
  }
  std::string fraction;
  for (int64_t w = -1; int64_t(fraction.size()) < dscale; --w) {
    char buf[4];
    uint16_t g = group_at(w);
    for (int k = 3; k >= 0; --k) {
      buf[k] = char('0' + g % 10);
      g /= 10;
    }
    fraction.append(buf, 4);
  }
  fraction.resize(dscale);
  digits += fraction;
  size_t first = digits.find_first_not_of('0');
  digits.erase(0, first == std::string::npos ? digits.size() : first);
  bool neg = sign == 0x4000 && !digits.empty();
  size_t ndig = digits.size();
  int scale = dscale;
  if (target && type_id(target) == DUCKDB_TYPE_DECIMAL) {
    int tw = duckdb_decimal_width(target), ts = duckdb_decimal_scale(target);
    if (ts >= scale && int(ndig) + (ts - scale) <= tw) {
      digits.append(size_t(ts - scale), '0');
      u128 mag = 0;
      for (char c : digits) mag = mag * 10 + u128(c - '0');
      i128 v = neg ? -i128(mag) : i128(mag);
      duckdb_decimal d{uint8_t(tw), uint8_t(ts), {uint64_t(v), int64_t(v >> 64)}};
      return checked(duckdb_create_decimal(d));
    }
  }
  u128 mag = 0;
  bool fits = ndig <= 39;
  for (size_t i = 0; fits && i < ndig; ++i)
    fits = !__builtin_mul_overflow(mag, u128(10), &mag) && !__builtin_add_overflow(mag, u128(digits[i] - '0'), &mag);
  if (fits && scale == 0) {
    // An integral numeric becomes an integer value, which every DuckDB integer type (BIGNUM
    // included) accepts; DECIMAL would not cast to BIGNUM.
    if (mag <= u128(std::numeric_limits<int64_t>::max()) + (neg ? 1 : 0))
      return checked(duckdb_create_int64(neg ? int64_t(0 - uint64_t(mag)) : int64_t(mag)));
    if (mag <= u128(std::numeric_limits<i128>::max()) + (neg ? 1 : 0)) {
      i128 v = neg ? i128(0 - mag) : i128(mag);
      return checked(duckdb_create_hugeint({uint64_t(v), int64_t(v >> 64)}));
    }
  }
  if (fits && ndig <= 38 && scale <= 38) {
    i128 v = neg ? -i128(mag) : i128(mag);
    int width = std::max({int(ndig), scale, 1});
    duckdb_decimal d{uint8_t(width), uint8_t(scale), {uint64_t(v), int64_t(v >> 64)}};
    return checked(duckdb_create_decimal(d));
  }
  // Too wide for DECIMAL: hand DuckDB the text and let the cast to the target decide.
  std::string text;
  if (digits.empty()) digits = "0";
  append_decimal_text(text, neg, digits.data(), digits.size(), scale);
  return make_varchar(text);
}

duck::Value decode_binary_array(std::string_view s, uint32_t pg_oid, duckdb_logical_type target) {
  Reader r(s, pg_oid);
  int32_t ndim = int32_t(r.u32());
  uint32_t flags = r.u32();
  uint32_t elem = r.u32();
  if (ndim < 0 || ndim > 6) bad_binary(pg_oid, "invalid number of dimensions");
  if (flags > 1) bad_binary(pg_oid, "invalid array flags");
  if (!array_oid_for(elem)) {
    // An element type without a decoder here: trust the declared array type instead.
    elem = element_oid_for(pg_oid);
    if (!elem) bad_binary(pg_oid, "unsupported element type");
  }
  std::vector<std::vector<size_t>> shape(size_t(std::max(ndim, 1)));
  size_t total = 1;
  std::vector<size_t> dims;
  for (int32_t d = 0; d < ndim; ++d) {
    int32_t len = int32_t(r.u32());
    r.u32();  // lower bound: lists always start at 1
    if (len < 0) bad_binary(pg_oid, "invalid array dimension");
    dims.push_back(size_t(len));
    if (__builtin_mul_overflow(total, size_t(len), &total) || total > s.size()) bad_binary(pg_oid, "array too large");
  }
  if (ndim == 0) {
    total = 0;
    shape[0].push_back(0);
  } else {
    size_t nodes = 1;
    for (int32_t d = 0; d < ndim; ++d) {
      for (size_t k = 0; k < nodes; ++k) shape[size_t(d)].push_back(dims[size_t(d)]);
      nodes *= dims[size_t(d)];
    }
  }
  ListAssembler assembler(target, std::max(ndim, 1), elem, true);
  std::vector<duck::Value> leaves;
  leaves.reserve(total);
  for (size_t i = 0; i < total; ++i) {
    int32_t len = int32_t(r.u32());
    if (len == -1) {
      leaves.push_back(checked(duckdb_create_null_value()));
      continue;
    }
    if (len < 0) bad_binary(pg_oid, "invalid element length");
    leaves.push_back(decode_binary(r.bytes(size_t(len)), elem, assembler.leaf_target()));
  }
  r.finish();
  return assembler.assemble(leaves, nullptr, shape);
}

duck::Value decode_binary(std::string_view s, uint32_t pg_oid, duckdb_logical_type target) {
  switch (pg_oid) {
    case oid::kBool:
      expect_size(s, 1, pg_oid);
      return checked(duckdb_create_bool(s[0] != 0));
    case oid::kInt2: {
      Reader r(s, pg_oid);
      expect_size(s, 2, pg_oid);
      return checked(duckdb_create_int16(int16_t(r.u16())));
    }
    case oid::kInt4: {
      Reader r(s, pg_oid);
      expect_size(s, 4, pg_oid);
      return checked(duckdb_create_int32(int32_t(r.u32())));
    }
    case oid::kInt8: {
      Reader r(s, pg_oid);
      expect_size(s, 8, pg_oid);
      return checked(duckdb_create_int64(int64_t(r.u64())));
    }
    case oid::kOid: {
      Reader r(s, pg_oid);
      expect_size(s, 4, pg_oid);
      return checked(duckdb_create_uint32(r.u32()));
    }
    case oid::kFloat4: {
      Reader r(s, pg_oid);
      expect_size(s, 4, pg_oid);
      return checked(duckdb_create_float(std::bit_cast<float>(r.u32())));
    }
    case oid::kFloat8: {
      Reader r(s, pg_oid);
      expect_size(s, 8, pg_oid);
      return checked(duckdb_create_double(std::bit_cast<double>(r.u64())));
    }
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
    case oid::kUnknown:
    case oid::kJson:
    case oid::kChar:
      check_utf8(s);
      return make_varchar(s);
    case oid::kJsonb:
      if (s.empty() || s[0] != 1) bad_binary(pg_oid, "unsupported jsonb version number");
      s.remove_prefix(1);
      check_utf8(s);
      return make_varchar(s);
    case oid::kBytea: return make_blob(s);
    case oid::kDate: {
      Reader r(s, pg_oid);
      expect_size(s, 4, pg_oid);
      int32_t days = int32_t(r.u32());
      if (days == std::numeric_limits<int32_t>::max()) return checked(duckdb_create_date({kDateInfinity}));
      if (days == std::numeric_limits<int32_t>::min()) return checked(duckdb_create_date({-kDateInfinity}));
      int32_t duck_days;
      if (__builtin_add_overflow(days, kPgEpochDays, &duck_days) || duck_days == kDateInfinity ||
          duck_days == -kDateInfinity)
        throw Error("22008", "date out of range");
      return checked(duckdb_create_date({duck_days}));
    }
    case oid::kTime: {
      Reader r(s, pg_oid);
      expect_size(s, 8, pg_oid);
      int64_t us = int64_t(r.u64());
      if (us < 0 || us > kUsecPerDay) throw Error("22008", "time out of range");
      return checked(duckdb_create_time({us}));
    }
    case oid::kTimetz: {
      Reader r(s, pg_oid);
      expect_size(s, 12, pg_oid);
      int64_t us = int64_t(r.u64());
      int32_t zone_west = int32_t(r.u32());
      if (us < 0 || us > kUsecPerDay) throw Error("22008", "time out of range");
      if (zone_west < -kTimeTzMaxOffset || zone_west > kTimeTzMaxOffset)
        throw Error("22009", "time zone displacement out of range");
      return checked(duckdb_create_time_tz_value(duckdb_create_time_tz(us, -zone_west)));
    }
    case oid::kTimestamp:
    case oid::kTimestamptz: {
      Reader r(s, pg_oid);
      expect_size(s, 8, pg_oid);
      int64_t us = int64_t(r.u64());
      int64_t duck_us;
      if (us == std::numeric_limits<int64_t>::max()) {
        duck_us = kTimestampInfinity;
      } else if (us == std::numeric_limits<int64_t>::min()) {
        duck_us = -kTimestampInfinity;
      } else if (__builtin_add_overflow(us, kPgEpochUsec, &duck_us) || duck_us == kTimestampInfinity ||
                 duck_us == -kTimestampInfinity) {
        throw Error("22008", "timestamp out of range");
      }
      return checked(pg_oid == oid::kTimestamp ? duckdb_create_timestamp({duck_us})
                                               : duckdb_create_timestamp_tz({duck_us}));
    }
    case oid::kInterval: {
      Reader r(s, pg_oid);
      expect_size(s, 16, pg_oid);
      duckdb_interval iv;
      iv.micros = int64_t(r.u64());
      iv.days = int32_t(r.u32());
      iv.months = int32_t(r.u32());
      return checked(duckdb_create_interval(iv));
    }
    case oid::kUuid: {
      Reader r(s, pg_oid);
      expect_size(s, 16, pg_oid);
      duckdb_uhugeint u;
      u.upper = r.u64();
      u.lower = r.u64();
      return checked(duckdb_create_uuid(u));
    }
    case oid::kNumeric: return decode_numeric(s, target);
    case oid::kBit:
    case oid::kVarbit: {
      Reader r(s, pg_oid);
      int32_t bits = int32_t(r.u32());
      if (bits < 0 || r.left() != (size_t(bits) + 7) / 8) bad_binary(pg_oid, "invalid length in external bit string");
      std::string_view data = r.bytes(r.left());
      if (bits == 0) return make_varchar("");
      // DuckDB's layout: padding count, then the bits right-aligned with the padding bits set.
      size_t pad = (8 - size_t(bits) % 8) % 8;
      std::string raw(1 + data.size(), '\0');
      raw[0] = char(pad);
      for (size_t i = 0; i < size_t(bits); ++i) {
        bool bit = (static_cast<unsigned char>(data[i / 8]) >> (7 - i % 8)) & 1;
        size_t j = pad + i;
        if (bit) raw[1 + j / 8] = char(raw[1 + j / 8] | (0x80 >> (j % 8)));
      }
      for (size_t j = 0; j < pad; ++j) raw[1] = char(raw[1] | (0x80 >> j));
      duckdb_bit b{reinterpret_cast<uint8_t *>(raw.data()), raw.size()};
      return checked(duckdb_create_bit(b));
    }
    default:
      if (element_oid_for(pg_oid)) return decode_binary_array(s, pg_oid, target);
      if (pg_oid == 0 && target) {
        uint32_t guess = pg_type_of(target).oid;
        if (guess != 0) return decode_binary(s, guess, target);
      }
      throw Error(sqlstate::kUndefinedFunction,
                  "no binary input function available for type with OID " + std::to_string(pg_oid));
  }
}

}  // namespace

duck::Value decode_value(std::string_view bytes, Format format, uint32_t pg_oid, duckdb_logical_type target) {
  if (format == Format::kBinary) return decode_binary(bytes, pg_oid, target);
  check_utf8(bytes);
  return decode_text(bytes, pg_oid, target);
}

}  // namespace mallard::pgwire
