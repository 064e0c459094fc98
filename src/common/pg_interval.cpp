#include "common/pg_interval.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace mallard {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

double to_double(std::string_view digits) { return std::strtod(std::string(digits).c_str(), nullptr); }

struct Parts {
  double months = 0, days = 0, micros = 0;
  // PostgreSQL spreads fractions downward: a fraction of a month is 30 days, of a day 24 hours.
  // nullopt beyond what an interval holds (DuckDB's cast then rejects the original text).
  std::optional<std::string> text() const {
    double whole_months = std::trunc(months);
    double d = days + (months - whole_months) * 30;
    double whole_days = std::trunc(d);
    double us = std::round(micros + (d - whole_days) * kMicrosPerDay);
    if (!(std::fabs(whole_months) < 2147483648.0 && std::fabs(whole_days) < 2147483648.0 && std::fabs(us) < 9.2e18))
      return std::nullopt;
    return std::to_string(static_cast<int64_t>(whole_months)) + " months " +
           std::to_string(static_cast<int64_t>(whole_days)) + " days " + std::to_string(static_cast<int64_t>(us)) +
           " microseconds";
  }
};

// A signed decimal number at s[i] (digits with an optional fraction); advances i.
std::optional<double> number_at(std::string_view s, size_t &i) {
  size_t b = i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  return to_double(s.substr(b, i - b));
}

// P[nY][nM][nW][nD][T[nH][nM][nS]]
std::optional<std::string> iso8601(std::string_view s) {
  if (s.size() < 2 || s[0] != 'P') return std::nullopt;
  Parts p;
  bool time = false, any = false;
  for (size_t i = 1; i < s.size();) {
    if (s[i] == 'T' && !time) {
      time = true;
      ++i;
      continue;
    }
    auto n = number_at(s, i);
    if (!n || i >= s.size()) return std::nullopt;
    char unit = s[i++];
    any = true;
    if (!time && unit == 'Y') p.months += *n * 12;
    else if (!time && unit == 'M') p.months += *n;
    else if (!time && unit == 'W') p.days += *n * 7;
    else if (!time && unit == 'D') p.days += *n;
    else if (time && unit == 'H') p.micros += *n * 3600 * kMicrosPerSecond;
    else if (time && unit == 'M') p.micros += *n * 60 * kMicrosPerSecond;
    else if (time && unit == 'S') p.micros += *n * kMicrosPerSecond;
    else return std::nullopt;
  }
  if (!any) return std::nullopt;
  return p.text();
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// [+-]H:M[:S[.f]] in microseconds.
std::optional<double> time_field(std::string_view t) {
  double sign = 1;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    sign = t[0] == '-' ? -1 : 1;
    t.remove_prefix(1);
  }
  std::vector<std::string_view> parts;
  for (size_t b = 0;;) {
    size_t c = t.find(':', b);
    parts.push_back(t.substr(b, c == std::string_view::npos ? std::string_view::npos : c - b));
    if (c == std::string_view::npos) break;
    b = c + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || !all_digits(parts[0]) || !all_digits(parts[1])) return std::nullopt;
  double us = (to_double(parts[0]) * 3600 + to_double(parts[1]) * 60) * kMicrosPerSecond;
  if (parts.size() == 3) {
    size_t i = 0;
    auto sec = number_at(parts[2], i);
    if (!sec || i != parts[2].size() || parts[2][0] == '+' || parts[2][0] == '-') return std::nullopt;
    us += *sec * kMicrosPerSecond;
  }
  return sign * us;
}

// SQL-standard fields: [Y-M] [D] [H:M[:S]], each with its own sign, at least a year-month field
// or a day count before a time (what DuckDB does not read).
std::optional<std::string> sql_standard(std::string_view s) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < s.size();) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t b = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > b) words.push_back(s.substr(b, i - b));
  }
  Parts p;
  bool year_month = false, day = false, time = false;
  for (size_t w = 0; w < words.size(); ++w) {
    std::string_view word = words[w];
    std::string_view body = word;
    double sign = 1;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
      sign = body[0] == '-' ? -1 : 1;
      body.remove_prefix(1);
    }
    size_t dash = body.find('-');
    if (w == 0 && dash != std::string_view::npos && all_digits(body.substr(0, dash)) &&
        all_digits(body.substr(dash + 1))) {
      p.months += sign * (to_double(body.substr(0, dash)) * 12 + to_double(body.substr(dash + 1)));
      year_month = true;
    } else if (all_digits(body) && !day && !time && w + 1 < words.size() &&
               words[w + 1].find(':') != std::string_view::npos) {
      p.days += sign * to_double(body);
      day = true;
    } else if (word.find(':') != std::string_view::npos && !time) {
      auto us = time_field(word);
      if (!us) return std::nullopt;
      p.micros += *us;
      time = true;
    } else {
      return std::nullopt;
    }
  }
  if (!year_month && !day) return std::nullopt;
  return p.text();
}

}  // namespace

std::optional<std::string> interval_for_duckdb(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  std::string_view s = text.substr(b, e - b);
  if (auto iso = iso8601(s)) return iso;
  if (auto standard = sql_standard(s)) return standard;
  if (s.find('+') == std::string_view::npos) return std::nullopt;
  // PostgreSQL writes a field's sign when it differs from the one before ('-1 days +02:03:00').
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && (i == 0 || std::isspace(static_cast<unsigned char>(s[i - 1])))) continue;
    out += s[i];
  }
  return out;
}

}  // namespace mallard
