// URL and request-target parsing shared by the server and the client. Internal to the http
// part; pure functions with no networking, safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace medulla::http {

// Decodes %XX escapes. With `plus_is_space` a '+' becomes ' ' (query string convention).
// Fails with kInvalidArgument on a truncated or non-hex escape.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Splits "a=1&b=two%20words" into decoded pairs. A key without '=' maps to "". A repeated key
// keeps its first value. Fails with kInvalidArgument on a malformed escape.
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);

// The pieces of an absolute http:// or https:// URL that a connection needs.
struct Url {
  bool tls = false;
  std::string host;    // without brackets for IPv6 literals
  uint16_t port = 0;   // defaulted to 80 or 443 when the URL names none
  std::string target;  // path and query, never empty: "/" at least

  // "host:port" with IPv6 literals bracketed, for error messages.
  std::string Authority() const;

  // The Host header value: the port is left out when it is the scheme's default.
  std::string HostHeader() const;
};

// Parses an absolute URL. Fails with kInvalidArgument on another scheme, a missing host, a bad
// port, or user information in the authority. Messages never repeat the URL itself, since a
// query string may carry identifiers.
Result<Url> ParseUrl(std::string_view url);

}  // namespace medulla::http
