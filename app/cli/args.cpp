#include "args.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace vitlens::cli {

namespace {

bool is_help(const std::string& arg) { return arg == "--help" || arg == "-h"; }

}  // namespace

bool ParsedArgs::flag(const std::string& name) const {
  return std::find(flags_.begin(), flags_.end(), name) != flags_.end();
}

std::string ParsedArgs::value(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

int ParsedArgs::integer(const std::string& name, int fallback, int min, int max) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : parse_integer(it->second, "--" + name, min, max);
}

double ParsedArgs::number(const std::string& name, double fallback, double min, double max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  double value = 0;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || stop != text.data() + text.size() || !(value >= min && value <= max)) {
    std::ostringstream message;
    message << "--" << name << " expects a number from " << min << " to " << max << ", not '" << text << "'";
    throw UsageError(message.str());
  }
  return value;
}

int parse_integer(const std::string& text, const std::string& what, int min, int max) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end)
    throw UsageError(what + ": expected an integer, got '" + text + "'");
  if (value < min || value > max)
    throw UsageError(what + ": " + text + " is out of range [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
  return value;
}

ArgParser::ArgParser(std::string program, std::string command, std::string summary)
    : program_(std::move(program)), command_(std::move(command)), summary_(std::move(summary)) {}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help) {
  options_.push_back({name, "", help, false});
  return *this;
}

ArgParser& ArgParser::option(const std::string& name, const std::string& value_name, const std::string& help,
                             bool required) {
  options_.push_back({name, value_name, help, required});
  return *this;
}

ArgParser& ArgParser::positional(const std::string& value_name, const std::string& help, bool repeated) {
  positionals_.push_back({value_name, help, repeated});
  return *this;
}

ArgParser& ArgParser::epilog(const std::string& text) {
  epilog_ = text;
  return *this;
}

std::string ArgParser::usage() const {
  std::ostringstream out;
  out << "usage: " << program_ << ' ' << command_;
  for (const Option& o : options_) {
    std::string text = "--" + o.name + (o.value_name.empty() ? "" : " " + o.value_name);
    out << ' ' << (o.required ? text : "[" + text + "]");
  }
  for (const Positional& p : positionals_) out << ' ' << p.value_name << (p.repeated ? "..." : "");
  return out.str();
}

std::string ArgParser::help() const {
  std::ostringstream out;
  out << usage() << "\n\n" << summary_ << "\n";
  auto row = [&](const std::string& left, const std::string& text) {
    out << "  " << left << std::string(left.size() < 22 ? 22 - left.size() : 1, ' ') << text << '\n';
  };
  if (!positionals_.empty()) {
    out << "\narguments:\n";
    for (const Positional& p : positionals_) row(p.value_name + (p.repeated ? "..." : ""), p.help);
  }
  out << "\noptions:\n";
  for (const Option& o : options_)
    row("--" + o.name + (o.value_name.empty() ? "" : " " + o.value_name), o.help + (o.required ? " (required)" : ""));
  row("-h, --help", "show this help and exit");
  if (!epilog_.empty()) out << '\n' << epilog_ << (epilog_.back() == '\n' ? "" : "\n");
  return out.str();
}

const ArgParser::Option* ArgParser::find_option(const std::string& name) const {
  for (const Option& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

ParsedArgs ArgParser::parse(const std::vector<std::string>& args) const {
  ParsedArgs parsed;
  if (std::any_of(args.begin(), args.end(), is_help)) {
    parsed.help_ = true;
    return parsed;
  }
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) throw UsageError("unknown option '" + arg + "'");
    size_t equals = arg.find('=');
    std::string name = arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    const Option* option = find_option(name);
    if (!option) throw UsageError("unknown option '--" + name + "'");
    if (option->value_name.empty()) {
      if (equals != std::string::npos) throw UsageError("--" + name + " takes no value");
      parsed.flags_.push_back(name);
    } else if (equals != std::string::npos) {
      parsed.values_[name] = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      parsed.values_[name] = args[++i];
    } else {
      throw UsageError("--" + name + " needs a value (" + option->value_name + ")");
    }
  }
  check_complete(parsed);
  return parsed;
}

void ArgParser::check_complete(const ParsedArgs& parsed) const {
  for (const Option& o : options_)
    if (o.required && !parsed.has(o.name)) throw UsageError("missing --" + o.name + " " + o.value_name);
  bool repeated = !positionals_.empty() && positionals_.back().repeated;
  size_t given = parsed.positionals_.size();
  if (given < positionals_.size())
    throw UsageError("missing " + positionals_[given].value_name);
  if (given > positionals_.size() && !repeated)
    throw UsageError("unexpected argument '" + parsed.positionals_[positionals_.size()] + "'");
}

}  // namespace vitlens::cli
