#pragma once
// Running helper programs (psql, initdb, openssl) with a bounded run time.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mallard::it {

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct SpawnOptions {
  EnvList env_set;                        // added to (or replacing in) the inherited environment
  std::vector<std::string> env_unset;     // names, or prefixes ending in '*', to drop
  std::optional<uid_t> uid;               // run as this user (needs root)
  std::optional<gid_t> gid;
  std::string cwd;
};

// Runs argv[0] (looked up in PATH) to completion, feeding `input` on stdin. Kills it after `timeout`.
ProcessResult run_process(const std::vector<std::string> &argv, const SpawnOptions &options,
                          const std::string &input = {},
                          std::chrono::seconds timeout = std::chrono::seconds(60));

// Starts argv in the background with stdout and stderr appended to `log_path`. Returns the pid or -1.
pid_t spawn_background(const std::vector<std::string> &argv, const SpawnOptions &options,
                       const std::string &log_path);

// Builds the environment block for a child (the inherited one, adjusted).
std::vector<std::string> child_environment(const SpawnOptions &options);

}  // namespace mallard::it
