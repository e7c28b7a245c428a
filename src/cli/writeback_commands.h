// The write-back commands: read a store's outbox directly, as `medulla audit` does, and mark a
// staff work item done. Each returns a process exit code; failures print one line
// "medulla: <reason>" to standard error and return 1.
//
//   medulla writeback list [--config F] [--store URL] --tenant T [--status S] [--route R]
//                          [--task ID] [--limit N] [--json]
//       a table: intent, task, kind, route, status, attempts, reason (oldest first)
//   medulla writeback show INTENT [--config F] [--store URL] --tenant T [--json]
//   medulla writeback complete INTENT [--config F] [--store URL] --tenant T --by SUBJECT
//                              [--reference Type/id]
//       the rules of POST /v1/writebacks/{intent}/complete (api/writebacks.h), except roles:
//       whoever can open the store is trusted, and --by names who did the work
#pragma once

#include <cstddef>
#include <string>

namespace medulla::cli {

struct WritebackCommandOptions {
  std::string config_path;
  std::string store;  // empty: from the configuration
  std::string tenant;
  std::string intent_id;
  std::string status;  // list filters; empty: any
  std::string route;
  std::string task_id;
  size_t limit = 100;
  bool json = false;
  std::string by;         // complete: who did the work
  std::string reference;  // complete: what they created, "Type/id"
};

int RunWritebackList(const WritebackCommandOptions& options);
int RunWritebackShow(const WritebackCommandOptions& options);
int RunWritebackComplete(const WritebackCommandOptions& options);

}  // namespace medulla::cli
