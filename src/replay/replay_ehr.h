// An EHR that answers from a recording: consent searches with what the recorded checks found,
// and conditional creates with what the recorded writes got back. It sends nothing anywhere.
#pragma once

#include "http/client.h"
#include "replay/recording.h"

namespace medulla::replay {

class ReplayEhr final : public http::Client {
 public:
  explicit ReplayEhr(const Recording& recording) : recording_(&recording) {}

  Result<http::ClientResponse> Send(const http::ClientRequest& request) override;

 private:
  http::ClientResponse ConsentSearch(const std::string& patient) const;
  http::ClientResponse ConditionalCreate(const http::ClientRequest& request) const;

  const Recording* recording_;
};

}  // namespace medulla::replay
