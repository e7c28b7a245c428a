// The medulla command line: each subcommand is a function returning a process exit code.
// Failures print one line naming the reason to standard error and return non-zero.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace medulla::cli {

struct ServeOptions {
  std::string config_path;
  int port = -1;  // -1: from the configuration
  std::string store;
  std::string ehr_url;
  int workers = 0;  // 0: from the configuration
  std::string port_file;
};
int Serve(const ServeOptions& options);

struct TokenOptions {
  std::string config_path;
  std::string subject;
  std::string tenant;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;
  int ttl_seconds = 3600;
};
int IssueToken(const TokenOptions& options);

struct ClinicDayCommandOptions {
  std::string config_path;
  std::string server_url;
  std::string ehr_url;
  std::string data_dir = "data";
  std::string report_path;
  int timeout_seconds = 600;
};
int RunClinicDayCommand(const ClinicDayCommandOptions& options);

struct ReplayCommandOptions {
  std::string config_path;
  std::string store;  // empty: from the configuration
  std::string task_id;
  std::string policy_path;     // empty: the configured policies
  std::string prompt_version;  // empty: the recorded one
};
// Exit 0 when the replay makes the recorded decisions, 5 when it diverges, 1 on error.
int RunReplay(const ReplayCommandOptions& options);

struct MigrateOptions {
  std::string config_path;
  std::string store;  // empty: from the configuration
};
// Creates or upgrades the store's schema and prints the version in force.
int RunMigrate(const MigrateOptions& options);

// Prints "medulla: <message>" to standard error and returns 1.
int Fail(const std::string& message);

}  // namespace medulla::cli
