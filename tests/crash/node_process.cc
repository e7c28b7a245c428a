#include "crash/node_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace medulla::testing {

NodeProcess::~NodeProcess() {
  Kill();
}

bool NodeProcess::Start() {
  const std::string port_file = settings_.state_dir + "/" + settings_.name + ".port";
  const std::string log_file = settings_.state_dir + "/" + settings_.name + ".log";
  std::remove(port_file.c_str());

  pid_ = fork();
  if (pid_ == 0) {
    int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    setenv("MEDULLA_DEV_ISSUER_KEY", (settings_.state_dir + "/issuer.pem").c_str(), 1);
    setenv("MEDULLA_GRANT_KEY", (settings_.state_dir + "/grant.pem").c_str(), 1);
    setenv("MEDULLA_LEASE_MS", std::to_string(settings_.lease_ms).c_str(), 1);
    execl(settings_.binary.c_str(), settings_.binary.c_str(), "serve", "--port", "0", "--port-file",
          port_file.c_str(), "--store", settings_.store.c_str(), "--ehr-url",
          settings_.ehr_url.c_str(), "--workers", "2", static_cast<char*>(nullptr));
    _exit(127);
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0)
      return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void NodeProcess::Kill() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void NodeProcess::Stop() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace medulla::testing
