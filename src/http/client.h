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

// Returns a client that keeps a few idle connections per (scheme, host, port) for reuse. When
// a reused connection turns out to be closed before any response byte arrives, the request is
// sent once more on a fresh connection; a server that read a request and then closed without
// answering may therefore see it twice. Send() fails with kInvalidArgument for a URL that is
// not absolute http(s) or carries user information, kDeadlineExceeded when `timeout` passes
// (connecting, the TLS handshake, sending and reading all count against it; name resolution
// does not), and kUnavailable when the connection is refused, reset or the TLS peer fails
// verification. Messages name host and port, never bodies or query strings. Response bodies
// are capped at 256 MiB.
std::unique_ptr<Client> MakeClient();

// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string UrlEncode(const std::string& value);

}  // namespace medulla::http
