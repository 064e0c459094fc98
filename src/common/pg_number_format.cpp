#include "common/pg_number_format.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <strings.h>

#include "common/error.hpp"

namespace mallard {

namespace {

using Kind = NumberTemplate::Kind;

bool starts_with_ci(std::string_view s, size_t i, std::string_view word) {
  return s.size() - i >= word.size() && strncasecmp(s.data() + i, word.data(), word.size()) == 0;
}

Error unsupported(const std::string &what) {
  return Error(sqlstate::kFeatureNotSupported, "to_char() number pattern \"" + what + "\" is not supported");
}

// A number as decimal digits: integer digits without leading zeros, fraction digits.
struct Decimal {
  bool negative = false;
  std::string int_part, frac_part;
};

// From DuckDB's text of a number (digits, a point, an exponent).
std::optional<Decimal> parse_decimal(std::string_view s) {
  Decimal d;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) d.negative = s[i++] == '-';
  std::string digits;
  int point = -1;
  for (; i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'); ++i) {
    if (s[i] == '.') {
      if (point >= 0) return std::nullopt;
      point = static_cast<int>(digits.size());
    } else {
      digits += s[i];
    }
  }
  if (digits.empty()) return std::nullopt;
  if (point < 0) point = static_cast<int>(digits.size());
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    char *end = nullptr;
    std::string exp(s.substr(i + 1));
    long e = std::strtol(exp.c_str(), &end, 10);
    if (end == exp.c_str() || *end != '\0' || std::labs(e) > 400) return std::nullopt;
    point += static_cast<int>(e);
    i = s.size();
  }
  if (i != s.size()) return std::nullopt;
  if (point < 0) {
    digits.insert(0, static_cast<size_t>(-point), '0');
    point = 0;
  }
  if (point > static_cast<int>(digits.size())) digits.append(static_cast<size_t>(point) - digits.size(), '0');
  d.int_part = digits.substr(0, static_cast<size_t>(point));
  d.frac_part = digits.substr(static_cast<size_t>(point));
  d.int_part.erase(0, std::min(d.int_part.find_first_not_of('0'), d.int_part.size()));
  return d;
}

// Rounds to `places` fraction digits, half away from zero.
void round_decimal(Decimal &d, int places) {
  size_t keep = static_cast<size_t>(places);
  if (d.frac_part.size() <= keep) {
    d.frac_part.append(keep - d.frac_part.size(), '0');
    return;
  }
  bool up = d.frac_part[keep] >= '5';
  d.frac_part.resize(keep);
  if (!up) return;
  std::string all = d.int_part + d.frac_part;
  int k = static_cast<int>(all.size()) - 1;
  for (; k >= 0 && all[static_cast<size_t>(k)] == '9'; --k) all[static_cast<size_t>(k)] = '0';
  if (k < 0)
    all.insert(all.begin(), '1');
  else
    ++all[static_cast<size_t>(k)];
  d.int_part = all.substr(0, all.size() - keep);
  d.frac_part = all.substr(all.size() - keep);
  d.int_part.erase(0, std::min(d.int_part.find_first_not_of('0'), d.int_part.size()));
}

}  // namespace

NumberTemplate parse_number_template(std::string_view s) {
  NumberTemplate t;
  bool point = false;
  auto text = [&](std::string piece) {
    if (!t.items.empty() && t.items.back().kind == Kind::kText)
      t.items.back().text += piece;
    else
      t.items.push_back({Kind::kText, std::move(piece)});
  };
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (starts_with_ci(s, i, "FM")) {
      t.fill_mode = true;
      i += 2;
    } else if (c == '9' || c == '0') {
      t.items.push_back({c == '9' ? Kind::kDigit9 : Kind::kDigit0, {}});
      ++(point ? t.frac_digits : t.int_digits);
      ++i;
    } else if (c == '.' || c == 'D' || c == 'd') {
      if (point) throw Error(sqlstate::kSyntaxError, "multiple decimal points");
      point = true;
      t.items.push_back({Kind::kPoint, {}});
      ++i;
    } else if (c == ',' || c == 'G' || c == 'g') {
      if (point) throw unsupported(std::string(1, c) + " after the decimal point");
      t.items.push_back({Kind::kGroup, {}});
      ++i;
    } else if (c == 'S' || c == 's' || starts_with_ci(s, i, "MI") || starts_with_ci(s, i, "PR")) {
      // The sign goes first or last, around the digits (anywhere else PostgreSQL places it in
      // ways this does not follow).
      bool first = t.items.empty(), last = i + (c == 'S' || c == 's' ? 1 : 2) == s.size();
      Kind kind = c == 'S' || c == 's' ? Kind::kSign : starts_with_ci(s, i, "MI") ? Kind::kMinus : Kind::kBrackets;
      if (t.explicit_sign || !(last || (first && kind == Kind::kSign)))
        throw unsupported(std::string(s.substr(i, kind == Kind::kSign ? 1 : 2)) + " in that place");
      t.explicit_sign = true;
      t.items.push_back({kind, {}});
      i += kind == Kind::kSign ? 1 : 2;
    } else if (c == '"') {
      size_t end = s.find('"', i + 1);
      if (end == std::string_view::npos) end = s.size();
      text(std::string(s.substr(i + 1, end - i - 1)));
      i = end == s.size() ? end : end + 1;
    } else if (c == '\\' && i + 1 < s.size()) {
      text(std::string(1, s[i + 1]));
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      size_t end = i;
      while (end < s.size() && std::isalpha(static_cast<unsigned char>(s[end]))) ++end;
      throw unsupported(std::string(s.substr(i, end - i)));
    } else {
      text(std::string(1, c));
      ++i;
    }
  }
  if (t.int_digits + t.frac_digits == 0) throw unsupported("without digit positions");
  return t;
}

std::string format_number(const NumberTemplate &t, std::string_view number, bool binary_float) {
  std::optional<Decimal> parsed;
  std::string lower;
  for (char c : number) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool nan = lower == "nan" || lower == "-nan";
  bool infinite = lower == "inf" || lower == "-inf" || lower == "infinity" || lower == "-infinity";
  if (!nan && !infinite) {
    if (binary_float) {
      double v = std::strtod(std::string(number).c_str(), nullptr);
      std::string buf(static_cast<size_t>(std::snprintf(nullptr, 0, "%.*f", t.frac_digits, v)) + 1, '\0');
      std::snprintf(buf.data(), buf.size(), "%.*f", t.frac_digits, v);
      buf.pop_back();
      parsed = parse_decimal(buf);
    } else {
      parsed = parse_decimal(number);
    }
    if (!parsed) return std::string(number);
    round_decimal(*parsed, t.frac_digits);
  }
  if (nan) return (t.fill_mode ? "" : " ") + std::string("NaN");
  bool overflow = infinite || static_cast<int>(parsed->int_part.size()) > t.int_digits;
  Decimal d = parsed.value_or(Decimal{lower[0] == '-', "", ""});
  bool zero = !infinite && d.int_part.empty() && d.frac_part.find_first_not_of('0') == std::string::npos;
  bool negative = d.negative && !zero;

  // The fraction's digits as printed: in fill mode, trailing zeros of 9 positions are dropped.
  std::string frac = overflow ? std::string(static_cast<size_t>(t.frac_digits), '#') : d.frac_part;
  if (t.fill_mode && !overflow) {
    size_t keep = frac.size();
    int pos = t.frac_digits;
    for (auto it = t.items.rbegin(); it != t.items.rend() && pos > 0; ++it) {
      if (it->kind != Kind::kDigit9 && it->kind != Kind::kDigit0) continue;
      --pos;
      if (it->kind == Kind::kDigit0 || frac[static_cast<size_t>(pos)] != '0') break;
      keep = static_cast<size_t>(pos);
    }
    frac.resize(keep);
  }
  // A zero integer part prints as 0 in the last integer position when nothing follows the point.
  bool units_zero = !overflow && d.int_part.empty() && (t.frac_digits == 0 || (t.fill_mode && frac.empty()));

  std::string out;
  std::string pad;  // blanks of unused leading positions: they go before the sign
  bool started = false;
  int position = 0;  // integer digit positions seen
  size_t frac_at = 0;
  const Kind first = t.items.front().kind, last = t.items.back().kind;
  // The number's first character: the blanks, then its sign unless S, MI or PR place it.
  auto start = [&] {
    if (started) return;
    started = true;
    out += pad;
    pad.clear();
    if (!t.explicit_sign) out += negative ? "-" : (t.fill_mode ? "" : " ");
    else if (first == Kind::kSign) out += negative ? "-" : "+";
    else if (last == Kind::kBrackets) out += negative ? "<" : (t.fill_mode ? "" : " ");
  };
  for (size_t n = 0; n < t.items.size(); ++n) {
    const auto &item = t.items[n];
    switch (item.kind) {
      case Kind::kDigit9:
      case Kind::kDigit0: {
        if (position >= t.int_digits) {  // after the point
          if (frac_at < frac.size()) out += frac[frac_at];
          ++frac_at;
          break;
        }
        int from_right = t.int_digits - position++;
        int have = static_cast<int>(d.int_part.size());
        if (overflow || from_right <= have || item.kind == Kind::kDigit0 || started || (units_zero && from_right == 1)) {
          start();
          out += overflow ? '#' : from_right <= have ? d.int_part[static_cast<size_t>(have - from_right)] : '0';
        } else if (!t.fill_mode) {
          pad += ' ';
        }
        break;
      }
      case Kind::kPoint:
        position = t.int_digits;
        start();
        out += '.';
        break;
      case Kind::kGroup:
        if (started) out += ',';
        else if (!t.fill_mode) pad += ' ';
        break;
      case Kind::kSign:
        if (n != 0) out += negative ? "-" : "+";
        break;
      case Kind::kMinus:
        out += negative ? "-" : (t.fill_mode ? "" : " ");
        break;
      case Kind::kBrackets:
        out += negative ? ">" : (t.fill_mode ? "" : " ");
        break;
      case Kind::kText:
        out += pad + item.text;
        pad.clear();
        break;
    }
  }
  out += pad;
  return out;
}

}  // namespace mallard
