#pragma once
// Runs a program as a subprocess and captures what it printed, for tests of the command line.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vitlens::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when the program was killed by a signal
  std::string out;
  std::string err;
};

// Bounds for a child that might hang or balloon on hostile input: past `seconds` it gets
// SIGALRM (the alarm survives exec), past `address_space_bytes` its allocations fail.
// Zero means no bound.
struct ProcessLimits {
  unsigned seconds = 0;
  rlim_t address_space_bytes = 0;
};

namespace detail {

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace detail

// Runs argv[0] with the given arguments (no shell, so nothing needs quoting), stdin from
// /dev/null, stdout and stderr into temporary files that are read back and removed, within
// `limits`.
inline ProcessResult run_process(const std::vector<std::string>& argv, const ProcessLimits& limits = {}) {
  namespace fs = std::filesystem;
  static std::atomic<int> counter{0};
  std::string name = "vitlens_process_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  std::string stem = (fs::temp_directory_path() / name).string();
  std::string out_path = stem + ".out", err_path = stem + ".err";

  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (limits.address_space_bytes != 0) {
      const rlimit bound{limits.address_space_bytes, limits.address_space_bytes};
      setrlimit(RLIMIT_AS, &bound);
    }
    if (limits.seconds != 0) alarm(limits.seconds);
    execv(args[0], args.data());
    _exit(127);
  }
  ProcessResult result;
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = detail::slurp(out_path);
  result.err = detail::slurp(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return result;
}

}  // namespace vitlens::test
