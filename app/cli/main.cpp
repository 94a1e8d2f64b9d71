#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <opencv2/core/utils/logger.hpp>

#include "command.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/process_memory.hpp"
#include "vitlens/util/version.hpp"

namespace vitlens::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {devices_arguments, run_devices},
      {info_arguments, run_info},
      {classify_arguments, run_classify},
      {detect_arguments, run_detect},
      {bench_arguments, run_bench},
      {eval_arguments, run_eval},
      {attention_arguments, run_attention},
      {live_arguments, run_live},
      {features_arguments, run_features},
      {heads_arguments, run_heads},
      {download_arguments, run_download},
  };
  return all;
}

namespace {

void print_overview(std::ostream& out) {
  out << "usage: " << kProgram << " COMMAND [OPTIONS]\n\n"
      << "Runs Vision Transformer checkpoints on a Vulkan device or the CPU reference.\n\ncommands:\n";
  for (const Command& c : commands()) {
    ArgParser parser = c.arguments();
    size_t width = parser.command().size();
    out << "  " << parser.command() << std::string(width < 12 ? 12 - width : 1, ' ') << parser.summary() << '\n';
  }
  out << "\nRun '" << kProgram << " COMMAND --help' for a command's options, '" << kProgram
      << " --version' for the version and commit.\n";
}

int usage_error(const std::string& message, const std::string& usage, const std::string& help_hint) {
  std::cerr << kProgram << ": " << message << '\n' << usage << '\n' << "Try '" << help_hint << "'.\n";
  return 2;
}

int run_command(const Command& command, const std::vector<std::string>& args) {
  ArgParser parser = command.arguments();
  std::string hint = std::string(kProgram) + " " + parser.command() + " --help";
  try {
    ParsedArgs parsed = parser.parse(args);
    if (parsed.help_requested()) {
      std::cout << parser.help();
      return 0;
    }
    return command.run(parsed);
  } catch (const UsageError& e) {
    return usage_error(e.what(), parser.usage(), hint);
  }
}

int dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("no command given", std::string("usage: ") + kProgram + " COMMAND [OPTIONS]",
                                       std::string(kProgram) + " --help");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_overview(std::cout);
    return 0;
  }
  if (args[0] == "--version") {
    std::cout << kProgram << ' ' << version_text() << '\n';
    return 0;
  }
  for (const Command& command : commands())
    if (command.arguments().command() == args[0]) return run_command(command, {args.begin() + 1, args.end()});
  return usage_error("unknown command '" + args[0] + "'", std::string("usage: ") + kProgram + " COMMAND [OPTIONS]",
                     std::string(kProgram) + " --help");
}

}  // namespace
}  // namespace vitlens::cli

int main(int argc, char** argv) {
  // OpenCV's own logging would interleave with our output and JSON.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  vitlens::keep_freed_memory_for_reuse();
  try {
    return vitlens::cli::dispatch(argc, argv);
  } catch (const vitlens::Error& e) {
    std::cerr << vitlens::cli::kProgram << ": " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << vitlens::cli::kProgram << ": unexpected error: " << e.what() << '\n';
  }
  return 1;
}
