#pragma once
#include <string>
#include <vector>

#include "args.hpp"

namespace vitlens::cli {

inline constexpr const char* kProgram = "vitlens-cli";

// One sub-command: its argument declarations and what it does with them. Adding a command
// means one new cmd_*.cpp and one entry in commands().
struct Command {
  ArgParser (*arguments)();
  int (*run)(const ParsedArgs& args);  // returns the exit status; throws vitlens::Error or UsageError
};

const std::vector<Command>& commands();

ArgParser devices_arguments();
int run_devices(const ParsedArgs& args);

ArgParser info_arguments();
int run_info(const ParsedArgs& args);

ArgParser classify_arguments();
int run_classify(const ParsedArgs& args);

ArgParser bench_arguments();
int run_bench(const ParsedArgs& args);

ArgParser detect_arguments();
int run_detect(const ParsedArgs& args);

ArgParser eval_arguments();
int run_eval(const ParsedArgs& args);

ArgParser attention_arguments();
int run_attention(const ParsedArgs& args);

ArgParser live_arguments();
int run_live(const ParsedArgs& args);
ArgParser features_arguments();
int run_features(const ParsedArgs& args);
ArgParser heads_arguments();
int run_heads(const ParsedArgs& args);
ArgParser download_arguments();
int run_download(const ParsedArgs& args);

}  // namespace vitlens::cli
