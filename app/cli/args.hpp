#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitlens::cli {

// A mistake in the command line (unknown flag, missing value, bad number): the front end
// prints the message with the command's usage line and exits with status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a command line said, by option name (without the leading dashes).
class ParsedArgs {
 public:
  bool help_requested() const { return help_; }
  bool flag(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // The option's value, or `fallback` when it was not given.
  std::string value(const std::string& name, const std::string& fallback = "") const;
  // The option's value as an integer in [min, max], or `fallback` when it was not given.
  int integer(const std::string& name, int fallback, int min, int max) const;
  // The option's value as a number in [min, max], or `fallback` when it was not given.
  double number(const std::string& name, double fallback, double min, double max) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  friend class ArgParser;
  bool help_ = false;
  std::map<std::string, std::string> values_;
  std::vector<std::string> flags_;
  std::vector<std::string> positionals_;
};

// Declares one command's flags, options and positional arguments, parses its command
// line, and writes its usage line and --help text from the same declarations.
class ArgParser {
 public:
  ArgParser(std::string program, std::string command, std::string summary);

  // A boolean switch: --name.
  ArgParser& flag(const std::string& name, const std::string& help);
  // An option taking a value: --name VALUE or --name=VALUE.
  ArgParser& option(const std::string& name, const std::string& value_name, const std::string& help,
                    bool required = false);
  // Positional arguments; `repeated` accepts any number >= 1 of them.
  ArgParser& positional(const std::string& value_name, const std::string& help, bool repeated);
  // Text printed after the options in --help (e.g. how output files are named).
  ArgParser& epilog(const std::string& text);

  const std::string& command() const { return command_; }
  const std::string& summary() const { return summary_; }
  std::string usage() const;
  std::string help() const;

  // Throws UsageError. With --help/-h anywhere it returns at once with help_requested().
  ParsedArgs parse(const std::vector<std::string>& args) const;

 private:
  struct Option {
    std::string name;
    std::string value_name;  // empty for a flag
    std::string help;
    bool required = false;
  };
  struct Positional {
    std::string value_name;
    std::string help;
    bool repeated = false;
  };

  const Option* find_option(const std::string& name) const;
  void check_complete(const ParsedArgs& parsed) const;

  std::string program_;
  std::string command_;
  std::string summary_;
  std::vector<Option> options_;
  std::vector<Positional> positionals_;
  std::string epilog_;
};

// Parses a whole decimal integer; `what` names the argument in the error message.
int parse_integer(const std::string& text, const std::string& what, int min, int max);

}  // namespace vitlens::cli
