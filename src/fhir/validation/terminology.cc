#include "fhir/validation/terminology.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

namespace medulla::fhir::validation {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsAlnum(char c) {
  return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z');
}

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

int DigitValue(char c) {
  return c - '0';
}

// Luhn's sum over `digits`, doubling every second digit counted from the right of the payload
// (the rightmost payload digit is doubled, as when a check digit will follow it).
int LuhnSumOfPayload(std::string_view digits) {
  int sum = 0;
  bool doubled = true;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int value = DigitValue(*it);
    if (doubled) {
      value *= 2;
      value = value > 9 ? value - 9 : value;
    }
    sum += value;
    doubled = !doubled;
  }
  return sum;
}

int CheckDigitForSum(int sum) {
  return (10 - sum % 10) % 10;
}

// Verhoeff's tables: multiplication in the dihedral group D5, and the position permutation.
constexpr std::array<std::array<int, 10>, 10> kVerhoeffMultiply = {{
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
    {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
    {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
    {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
    {4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
    {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
    {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
    {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
    {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}};
constexpr std::array<std::array<int, 10>, 8> kVerhoeffPermute = {{
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
    {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
    {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
    {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
    {9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
    {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
    {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}};

// True when `digits`, check digit last, passes Verhoeff's check.
bool PassesVerhoeff(std::string_view digits) {
  int check = 0;
  size_t position = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++position) {
    check = kVerhoeffMultiply[check][kVerhoeffPermute[position % 8][DigitValue(*it)]];
  }
  return check == 0;
}

}  // namespace

bool IsValidLoinc(std::string_view code) {
  size_t hyphen = code.find('-');
  if (hyphen == std::string_view::npos || hyphen == 0 || hyphen > 7 || hyphen + 2 != code.size()) {
    return false;
  }
  std::string_view number = code.substr(0, hyphen);
  char check = code.back();
  if (!AllDigits(number) || !IsDigit(check)) {
    return false;
  }

  // LOINC doubles the digits in odd positions from the right and sums the digits of the
  // result with the even-position digits: digit-wise that is Luhn's sum over the number.
  return CheckDigitForSum(LuhnSumOfPayload(number)) == DigitValue(check);
}

bool IsValidNpi(std::string_view npi) {
  if (npi.size() != 10 || !AllDigits(npi)) {
    return false;
  }

  // The NPI is a card number issued under the health industry prefix 80840.
  std::string payload = "80840" + std::string(npi.substr(0, 9));
  return CheckDigitForSum(LuhnSumOfPayload(payload)) == DigitValue(npi.back());
}

bool IsValidSnomedConceptId(std::string_view id) {
  if (id.size() < 6 || id.size() > 18 || !AllDigits(id) || id.front() == '0') {
    return false;
  }

  std::string_view partition = id.substr(id.size() - 3, 2);
  if (partition != "00" && partition != "10") {
    return false;
  }

  return PassesVerhoeff(id);
}

bool HasIcd10CmShape(std::string_view code) {
  if (code.size() < 3 || !IsUpper(code[0]) || !IsDigit(code[1]) ||
      !(IsDigit(code[2]) || IsUpper(code[2]))) {
    return false;
  }
  if (code.size() == 3) {
    return true;
  }

  std::string_view extension = code.substr(4);
  bool extension_ok = std::all_of(extension.begin(), extension.end(),
                                  [](char c) { return IsDigit(c) || IsUpper(c); });
  return code[3] == '.' && !extension.empty() && extension.size() <= 4 && extension_ok;
}

bool HasCptShape(std::string_view code) {
  if (code.size() != 5) {
    return false;
  }
  if (AllDigits(code)) {
    return true;
  }
  return AllDigits(code.substr(0, 4)) && (code[4] == 'F' || code[4] == 'T');
}

bool HasHcpcsShape(std::string_view code) {
  if (HasCptShape(code)) {
    return true;
  }
  return code.size() == 5 && IsUpper(code[0]) && AllDigits(code.substr(1));
}

// ---------------------------------------------------------------------------------------------
// UCUM

namespace {

// The metric prefixes of UCUM's table, binary ones included.
constexpr std::array<const char*, 24> kUcumPrefixes = {"Y", "Z",  "E", "P", "T",  "G",  "M",  "k",
                                                       "h", "da", "d", "c", "m",  "u",  "n",  "p",
                                                       "f", "a",  "z", "y", "Ki", "Mi", "Gi", "Ti"};

struct CommonAtom {
  const char* code;
  bool metric;
};

// Atoms that clinical data uses most. Partial by design: it only stands in when the full
// table from @lhncbc/ucum-lhc is not installed.
constexpr std::array<CommonAtom, 78> kCommonAtoms = {{
    {"m", true},         {"s", true},         {"g", true},         {"rad", true},
    {"K", true},         {"C", true},         {"cd", true},        {"mol", true},
    {"sr", true},        {"Hz", true},        {"N", true},         {"Pa", true},
    {"J", true},         {"W", true},         {"A", true},         {"V", true},
    {"F", true},         {"Ohm", true},       {"S", true},         {"Wb", true},
    {"Cel", true},       {"T", true},         {"H", true},         {"lm", true},
    {"lx", true},        {"Bq", true},        {"Gy", true},        {"Sv", true},
    {"l", true},         {"L", true},         {"ar", true},        {"t", true},
    {"bar", true},       {"u", true},         {"eV", true},        {"eq", true},
    {"osm", true},       {"kat", true},       {"U", true},         {"[iU]", true},
    {"[IU]", true},      {"cal", true},       {"B", true},         {"m[Hg]", true},
    {"m[H2O]", true},    {"min", false},      {"h", false},        {"d", false},
    {"a", false},        {"wk", false},       {"mo", false},       {"10*", false},
    {"10^", false},      {"%", false},        {"[pi]", false},     {"[ppm]", false},
    {"[ppb]", false},    {"[ppth]", false},   {"[lb_av]", false},  {"[oz_av]", false},
    {"[in_i]", false},   {"[ft_i]", false},   {"[yd_i]", false},   {"[mi_i]", false},
    {"[degF]", false},   {"[drp]", false},    {"[arb'U]", false},  {"[CFU]", false},
    {"[HPF]", false},    {"[LPF]", false},    {"[pH]", false},     {"g%", false},
    {"deg", false},      {"[Cal]", false},    {"[gal_us]", false}, {"[foz_us]", false},
    {"[tsp_us]", false}, {"[tbs_us]", false},
}};

// Reads one UCUM expression by recursive descent over UCUM's grammar:
//   main := '/' term | term;  term := component (('.' | '/') component)*
//   component := '(' term ')' | annotation | factor annotation? | symbol exponent? annotation?
class UcumParser {
 public:
  UcumParser(std::string_view text, const std::function<bool(std::string_view)>& is_known)
      : text_(text), is_known_(is_known) {}

  std::optional<std::string> ParseMain() {
    if (Peek() == '/') {
      ++at_;
    }
    if (auto error = ParseTerm()) {
      return error;
    }
    if (at_ != text_.size()) {
      return "unit has an unbalanced parenthesis";
    }
    return std::nullopt;
  }

 private:
  char Peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }

  std::optional<std::string> ParseTerm() {
    if (auto error = ParseComponent()) {
      return error;
    }
    while (Peek() == '.' || Peek() == '/') {
      ++at_;
      if (auto error = ParseComponent()) {
        return error;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> ParseComponent() {
    if (Peek() == '(') {
      ++at_;
      if (auto error = ParseTerm()) {
        return error;
      }
      if (Peek() != ')') {
        return "unit has an unbalanced parenthesis";
      }
      ++at_;
      return std::nullopt;
    }
    if (Peek() == '{') {
      return ParseAnnotation();
    }

    std::optional<std::string> symbol_error = ParseSymbol();
    if (symbol_error) {
      return symbol_error;
    }
    return Peek() == '{' ? ParseAnnotation() : std::nullopt;
  }

  std::optional<std::string> ParseAnnotation() {
    size_t close = text_.find('}', at_ + 1);
    if (close == std::string_view::npos) {
      return "unit has an unterminated annotation";
    }
    if (text_.substr(at_ + 1, close - at_ - 1).find('{') != std::string_view::npos) {
      return "unit has a nested annotation";
    }
    at_ = close + 1;
    return std::nullopt;
  }

  // A symbol runs to the next operator, parenthesis or annotation; square brackets are
  // taken whole because atoms such as "B[10.nV]" hold operators inside them.
  std::optional<std::string> ParseSymbol() {
    size_t start = at_;
    while (at_ < text_.size()) {
      char c = text_[at_];
      if (c == '.' || c == '/' || c == '(' || c == ')' || c == '{') {
        break;
      }
      if (c == '[') {
        size_t close = text_.find(']', at_);
        if (close == std::string_view::npos) {
          return "unit has an unterminated bracket";
        }
        at_ = close;
      }
      ++at_;
    }
    std::string_view symbol = text_.substr(start, at_ - start);
    if (symbol.empty()) {
      return "unit has an empty component";
    }
    return IsSymbolWithExponent(symbol) ? std::nullopt
                                        : std::optional<std::string>("unit has an unknown atom");
  }

  bool IsSymbolWithExponent(std::string_view symbol) const {
    if (AllDigits(symbol) || is_known_(symbol)) {
      return true;
    }

    size_t digits_start = symbol.size();
    while (digits_start > 0 && IsDigit(symbol[digits_start - 1])) {
      --digits_start;
    }
    if (digits_start == symbol.size()) {
      return false;
    }
    size_t base_end = digits_start;
    if (base_end > 0 && (symbol[base_end - 1] == '+' || symbol[base_end - 1] == '-')) {
      --base_end;
    }
    return base_end > 0 && is_known_(symbol.substr(0, base_end));
  }

  std::string_view text_;
  const std::function<bool(std::string_view)>& is_known_;
  size_t at_ = 0;
};

}  // namespace

Result<UcumUnits> UcumUnits::LoadFromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return NotFound("UCUM unit table not found");
  }
  nlohmann::json table = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (table.is_discarded() || !table.contains("units") || !table.contains("prefixes")) {
    return InvalidArgument("UCUM unit table is not the ucum-lhc definitions");
  }

  const nlohmann::json& config = table["units"]["config"];
  auto column = [&config](const char* name) -> std::optional<size_t> {
    for (size_t i = 0; i < config.size(); ++i) {
      if (config[i].is_string() && config[i] == name) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::optional<size_t> code = column("csCode_");
  std::optional<size_t> metric = column("isMetric_");
  std::optional<size_t> source = column("source_");
  std::optional<size_t> base = column("isBase_");
  if (!code || !metric || !source || !base) {
    return InvalidArgument("UCUM unit table lacks the expected columns");
  }

  UcumUnits units;
  // ucum-lhc also lists LOINC's composite units ("mg/dL") as rows; only UCUM's own rows are
  // atoms, and the parser builds the composites from them.
  for (const nlohmann::json& row : table["units"]["data"]) {
    if (!row.is_array() || row.size() <= std::max({*code, *metric, *source, *base}) ||
        row[*source] != "UCUM" || !row[*code].is_string()) {
      continue;
    }
    // The table flags only derived units as metric; UCUM's base units all are.
    bool metric_unit = row[*metric] == true || row[*base] == true;
    units.atoms_[row[*code].get<std::string>()] = metric_unit;
  }
  for (const nlohmann::json& row : table["prefixes"]["data"]) {
    if (row.is_array() && !row.empty() && row[0].is_string()) {
      units.prefixes_.push_back(row[0].get<std::string>());
    }
  }
  if (units.atoms_.empty() || units.prefixes_.empty()) {
    return InvalidArgument("UCUM unit table holds no atoms");
  }
  return units;
}

UcumUnits UcumUnits::Common() {
  UcumUnits units;
  for (const CommonAtom& atom : kCommonAtoms) {
    units.atoms_[atom.code] = atom.metric;
  }
  units.prefixes_.assign(kUcumPrefixes.begin(), kUcumPrefixes.end());
  return units;
}

bool UcumUnits::IsKnownSymbol(std::string_view symbol) const {
  if (atoms_.contains(std::string(symbol))) {
    return true;
  }
  for (const std::string& prefix : prefixes_) {
    if (symbol.size() <= prefix.size() || !symbol.starts_with(prefix)) {
      continue;
    }
    auto atom = atoms_.find(std::string(symbol.substr(prefix.size())));
    if (atom != atoms_.end() && atom->second) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> UcumUnits::Check(std::string_view unit) const {
  if (unit.empty()) {
    return "unit is empty";
  }
  bool printable = std::all_of(unit.begin(), unit.end(), [](char c) { return c > 32 && c < 127; });
  if (!printable) {
    return "unit has a character UCUM does not allow";
  }

  std::function<bool(std::string_view)> is_known = [this](std::string_view symbol) {
    return IsKnownSymbol(symbol);
  };
  return UcumParser(unit, is_known).ParseMain();
}

std::optional<std::string> CheckCode(std::string_view system, std::string_view code,
                                     const UcumUnits& units) {
  if (system == kLoincSystem) {
    // LOINC's part and answer codes (LP, LA, ...) carry their own numbering; only the shape
    // of their prefix is checked.
    if (code.size() > 2 && IsUpper(code[0]) && IsUpper(code[1])) {
      return IsAlnum(code[2]) ? std::nullopt : std::optional<std::string>("not a LOINC code");
    }
    return IsValidLoinc(code) ? std::nullopt
                              : std::optional<std::string>("LOINC code fails its check digit");
  }
  if (system == kNpiSystem) {
    return IsValidNpi(code) ? std::nullopt
                            : std::optional<std::string>("NPI fails its check digit");
  }
  if (system == kSnomedSystem) {
    return IsValidSnomedConceptId(code)
               ? std::nullopt
               : std::optional<std::string>("not a valid SNOMED CT concept identifier");
  }
  if (system == kIcd10CmSystem) {
    return HasIcd10CmShape(code) ? std::nullopt
                                 : std::optional<std::string>("not shaped like an ICD-10-CM code");
  }
  if (system == kCptSystem) {
    return HasCptShape(code) ? std::nullopt
                             : std::optional<std::string>("not shaped like a CPT code");
  }
  if (system == kHcpcsSystem) {
    return HasHcpcsShape(code) ? std::nullopt
                               : std::optional<std::string>("not shaped like a HCPCS code");
  }
  if (system == kUcumSystem) {
    return units.Check(code);
  }
  return std::nullopt;
}

}  // namespace medulla::fhir::validation
