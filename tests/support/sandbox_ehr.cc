#include "support/sandbox_ehr.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace medulla::testing {
namespace {

std::string RunAndCapture(const std::string& command) {
  std::array<char, 512> buffer{};
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return output;
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    output += buffer.data();
  if (pclose(pipe) != 0)
    return "";
  return output;
}

}  // namespace

std::unique_ptr<SandboxEhr> SandboxEhr::Start() {
  std::unique_ptr<SandboxEhr> sandbox(new SandboxEhr());
  std::string url = RunAndCapture("sandbox/ehr/run.sh start " + sandbox->state_.path());
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r'))
    url.pop_back();
  if (url.rfind("http://127.0.0.1:", 0) != 0) {
    std::cerr << "the sandbox EHR did not start; its log is in " << sandbox->state_.path()
              << "/ehr.log\n";
    std::abort();
  }
  sandbox->fhir_base_ = url;
  sandbox->admin_base_ = url.substr(0, url.find("/fhir/"));
  return sandbox;
}

SandboxEhr::~SandboxEhr() {
  std::string command = "sandbox/ehr/run.sh stop " + state_.path() + " > /dev/null 2>&1";
  if (std::system(command.c_str()) != 0) {
    std::cerr << "the sandbox EHR did not stop cleanly\n";
  }
}

}  // namespace medulla::testing
