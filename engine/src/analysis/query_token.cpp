#include "vitlens/analysis/query_token.hpp"

#include <charconv>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

const char* const kForms = "cls, dist, reg:J, det:J, patch:R,C, token:K or probe";

[[noreturn]] void bad_query(const std::string& text, const std::string& why) {
  throw Error("query token '" + text + "': " + why + " (expected " + kForms + ")");
}

int parse_index(const std::string& text, const std::string& number) {
  int value = 0;
  const char* end = number.data() + number.size();
  auto [stop, error] = std::from_chars(number.data(), end, value);
  if (number.empty() || error != std::errc() || stop != end || value < 0)
    bad_query(text, "'" + number + "' is not a non-negative integer");
  return value;
}

std::string range(int count) { return count ? "0-" + std::to_string(count - 1) : "none"; }

}  // namespace

QueryToken QueryToken::parse(const std::string& text) {
  if (text == "cls") return {Kind::Cls};
  if (text == "dist") return {Kind::Dist};
  if (text == "probe") return {Kind::Probe};
  const size_t colon = text.find(':');
  if (colon == std::string::npos) bad_query(text, "unknown query token");
  const std::string kind = text.substr(0, colon), rest = text.substr(colon + 1);
  if (kind == "det") return {Kind::Det, parse_index(text, rest)};
  if (kind == "reg") return {Kind::Reg, parse_index(text, rest)};
  if (kind == "token") return {Kind::Token, parse_index(text, rest)};
  if (kind == "patch") {
    const size_t comma = rest.find(',');
    if (comma == std::string::npos) bad_query(text, "a patch is given as patch:ROW,COLUMN");
    return {Kind::Patch, parse_index(text, rest.substr(0, comma)), parse_index(text, rest.substr(comma + 1))};
  }
  bad_query(text, "unknown kind '" + kind + "'");
}

std::string QueryToken::name() const {
  switch (kind) {
    case Kind::Cls: return "cls";
    case Kind::Dist: return "dist";
    case Kind::Probe: return "probe";
    case Kind::Reg: return "reg:" + std::to_string(index);
    case Kind::Det: return "det:" + std::to_string(index);
    case Kind::Patch: return "patch:" + std::to_string(index) + "," + std::to_string(column);
    case Kind::Token: return "token:" + std::to_string(index);
  }
  return "";
}

std::string QueryToken::file_tag() const {
  switch (kind) {
    case Kind::Det: return "det" + std::to_string(index);
    case Kind::Reg: return "reg" + std::to_string(index);
    case Kind::Patch: return "patch" + std::to_string(index) + "-" + std::to_string(column);
    case Kind::Token: return "token" + std::to_string(index);
    default: return name();
  }
}

int QueryToken::resolve(const TokenLayout& layout) const {
  switch (kind) {
    case Kind::Cls:
      if (!layout.has_class_token || layout.prefix < 1) throw Error("query token 'cls': the model has no CLS token (SigLIP pools with its probe: use 'probe')");
      return 0;
    case Kind::Reg:
      if (layout.registers == 0) throw Error("query token '" + name() + "': the model has no register tokens (only DINOv2 with registers has them)");
      if (index >= layout.registers)
        throw Error("query token '" + name() + "': register " + std::to_string(index) + " is out of range (the model has " +
                    std::to_string(layout.registers) + ", " + range(layout.registers) + ")");
      return layout.first_register() + index;
    case Kind::Probe:
      throw Error("query token 'probe': the pooling probe is not a token of the sequence; its attention comes from the pooling head");
    case Kind::Dist:
      if (!layout.has_distillation)
        throw Error("query token 'dist': the model has no distillation token (only DeiT distilled models have one)");
      return 1;
    case Kind::Det:
      if (layout.suffix == 0) throw Error("query token '" + name() + "': model has no detection tokens");
      if (index >= layout.suffix)
        throw Error("query token '" + name() + "': detection token " + std::to_string(index) +
                    " is out of range (the model has " + std::to_string(layout.suffix) + ", " + range(layout.suffix) + ")");
      return layout.first_suffix() + index;
    case Kind::Patch:
      if (index >= layout.grid_h || column >= layout.grid_w)
        throw Error("query token '" + name() + "': patch (" + std::to_string(index) + ", " + std::to_string(column) +
                    ") is outside the " + std::to_string(layout.grid_h) + "x" + std::to_string(layout.grid_w) +
                    " patch grid (rows " + range(layout.grid_h) + ", columns " + range(layout.grid_w) + ")");
      return layout.patch_token(index, column);
    case Kind::Token:
      if (index >= layout.tokens())
        throw Error("query token '" + name() + "': token " + std::to_string(index) + " is out of range (" +
                    describe(layout) + ", " + range(layout.tokens()) + ")");
      return index;
  }
  return 0;
}

}  // namespace vitlens
