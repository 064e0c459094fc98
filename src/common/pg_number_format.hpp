#pragma once
// PostgreSQL's to_char(number, template): digit positions 9 and 0, the decimal point (. or D),
// group separators (, or G), a sign as S, MI or PR, fill mode FM, and text copied as written
// (double-quoted or other characters that are not pattern letters).

#include <string>
#include <string_view>
#include <vector>

namespace mallard {

struct NumberTemplate {
  enum class Kind { kDigit9, kDigit0, kPoint, kGroup, kSign, kMinus, kBrackets, kText };
  struct Item {
    Kind kind;
    std::string text;  // kText
  };
  std::vector<Item> items;
  bool fill_mode = false;
  int int_digits = 0, frac_digits = 0;
  bool explicit_sign = false;  // S, MI or PR: no sign position of its own
};

// Throws 0A000 for a pattern outside the list above (EEEE, RN, V, L, TH, PL, SG, ...) or a
// sign or point in a place PostgreSQL would also refuse.
NumberTemplate parse_number_template(std::string_view tmpl);

// `number` is a value's text as DuckDB writes it ("-12.5", "1e+20", "nan"). Decimal text is
// rounded half away from zero, as PostgreSQL rounds numeric; with `binary_float`, as printf rounds
// the binary value (PostgreSQL's float4/float8).
std::string format_number(const NumberTemplate &t, std::string_view number, bool binary_float);

}  // namespace mallard
