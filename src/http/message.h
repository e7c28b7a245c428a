// Plain HTTP request and response values shared by Medulla's server and client, free of
// any networking library so that handlers and tests can build them directly.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace medulla::http {

// Header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as received: "/v1/tasks?limit=5"
  std::string path;    // "/v1/tasks", percent-decoded
  std::map<std::string, std::string> query;
  Headers headers;
  std::string body;
  std::string remote_address;

  // Returns the header's value, or "" when absent.
  std::string Header(const std::string& name) const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type defaults to application/json when unset
  std::string body;

  static Response Json(int status, const nlohmann::json& body);
  static Response Text(int status, std::string body, std::string content_type);

  // RFC 9457 problem details: {type, title, status, detail}, as application/problem+json.
  // `title` is short and stable for the kind of problem; `detail` names what was wrong with
  // this request. Neither may contain PHI.
  static Response Problem(int status, std::string title, std::string detail);
  static Response Problem(const Status& status);
};

// Parameters captured from a route pattern such as "/v1/tasks/{id}".
using PathParams = std::map<std::string, std::string>;

}  // namespace medulla::http
