// An http::Client that answers from a script and records what it was sent.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "http/client.h"

namespace medulla::fhir::testing {

class ScriptedHttp final : public http::Client {
 public:
  using Responder = std::function<Result<http::ClientResponse>(const http::ClientRequest&)>;

  explicit ScriptedHttp(Responder responder) : responder_(std::move(responder)) {}

  Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    {
      std::lock_guard lock(mutex_);
      sent_.push_back(request);
    }
    return responder_(request);
  }

  std::vector<http::ClientRequest> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  Responder responder_;
  mutable std::mutex mutex_;
  std::vector<http::ClientRequest> sent_;
};

inline http::ClientResponse Answer(int status, const std::string& body,
                                   http::Headers headers = {}) {
  http::ClientResponse response;
  response.status = status;
  response.body = body;
  response.headers = std::move(headers);
  return response;
}

}  // namespace medulla::fhir::testing
