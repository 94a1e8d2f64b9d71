#pragma once
// Starts tests/support/test_hub.py (a stand-in for the Hugging Face hub on 127.0.0.1) for
// one test and stops it afterwards; the requests it served are read back from its log.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/safetensors_writer.hpp"

namespace vitlens::test {

struct HubRequest {
  std::string server;  // "hub" or "cdn" (the LFS file store the hub redirects to)
  std::string method;
  std::string path;
  std::string range;  // the Range header, empty when none
  std::string auth;   // the Authorization header, empty when none
};

struct TestHubSetup {
  using Repos = std::vector<std::pair<std::string, std::string>>;
  explicit TestHubSetup(Repos served) : repos(std::move(served)) {}

  Repos repos;  // id, folder served as its files
  std::vector<std::string> gated;
  std::vector<std::string> drop_once;  // files whose first download breaks half-way
  std::vector<std::string> corrupt;    // files served with a byte flipped
};

class TestHub {
 public:
  explicit TestHub(const TestHubSetup& setup) : dir_("test-hub") {
    std::vector<std::string> argv = {"/usr/bin/python3", std::string(VITLENS_SOURCE_DIR) + "/tests/support/test_hub.py",
                                     "--port-file", dir_.file("port"), "--log", dir_.file("log")};
    for (const auto& [id, folder] : setup.repos) argv.insert(argv.end(), {"--repo", id + "=" + folder});
    for (const std::string& id : setup.gated) argv.insert(argv.end(), {"--gated", id});
    for (const std::string& file : setup.drop_once) argv.insert(argv.end(), {"--drop-once", file});
    for (const std::string& file : setup.corrupt) argv.insert(argv.end(), {"--corrupt", file});
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      execv(args[0], args.data());
      _exit(127);
    }
    for (int i = 0; i < 3000 && !std::filesystem::exists(dir_.path() / "port"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(dir_.path() / "port");
    if (!(in >> port_)) throw std::runtime_error("the test hub did not start");
  }
  ~TestHub() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  TestHub(const TestHub&) = delete;
  TestHub& operator=(const TestHub&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  static std::string token() { return "hf_test_token"; }

  std::vector<HubRequest> requests() const {
    std::vector<HubRequest> all;
    std::ifstream in(dir_.path() / "log");
    for (std::string line; std::getline(in, line);) {
      const nlohmann::json entry = nlohmann::json::parse(line);
      auto text = [&](const char* key) { return entry[key].is_string() ? entry[key].get<std::string>() : std::string(); };
      all.push_back({text("server"), text("method"), text("path"), text("range"), text("auth")});
    }
    return all;
  }
  void forget_requests() const { std::ofstream(dir_.path() / "log", std::ios::trunc); }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace vitlens::test
