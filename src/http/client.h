// A blocking HTTP/1.1 client for Medulla's outbound calls (the EHR, model endpoints).
// Supports http:// and https:// (TLS with peer verification against the system store).
// Every call has a deadline; a timeout answers kDeadlineExceeded, a refused or reset
// connection kUnavailable. HTTP error statuses are not errors here: the caller reads them.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace medulla::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: "http://127.0.0.1:8090/fhir/R4/Patient/123"
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;

  std::string Header(const std::string& name) const;
};

class Client {
 public:
  virtual ~Client() = default;
  // Thread-safe.
  virtual Result<ClientResponse> Send(const ClientRequest& request) = 0;
};

// Returns a client that keeps idle connections per host for reuse.
std::unique_ptr<Client> MakeClient();

// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string UrlEncode(const std::string& value);

}  // namespace medulla::http
