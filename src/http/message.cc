#include "http/message.h"

#include <algorithm>
#include <cctype>

namespace medulla::http {
namespace {

unsigned char Folded(char c) {
  return static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(c)));
}

const char* ProblemTitle(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return "Invalid request";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPermissionDenied:
      return "Forbidden";
    case StatusCode::kNotFound:
      return "Not found";
    case StatusCode::kConflict:
      return "Conflict";
    case StatusCode::kFailedPrecondition:
      return "Precondition failed";
    case StatusCode::kUnavailable:
      return "Service unavailable";
    case StatusCode::kDeadlineExceeded:
      return "Upstream timeout";
    case StatusCode::kOk:
    case StatusCode::kInternal:
      return "Internal error";
  }
  return "Internal error";
}

nlohmann::json ProblemBody(std::string type, int status, std::string title, std::string detail) {
  return {{"type", std::move(type)},
          {"title", std::move(title)},
          {"status", status},
          {"detail", std::move(detail)}};
}

// Replacing invalid UTF-8 keeps a stray byte in stored data from turning a reply into a throw.
std::string Dump(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response WithBody(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.headers["Content-Type"] = std::move(content_type);
  response.body = std::move(body);
  return response;
}

}  // namespace

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Folded(x) < Folded(y); });
}

std::string Request::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Response Response::Json(int status, const nlohmann::json& body) {
  return WithBody(status, Dump(body), "application/json");
}

Response Response::Text(int status, std::string body, std::string content_type) {
  return WithBody(status, std::move(body), std::move(content_type));
}

Response Response::Problem(int status, std::string title, std::string detail) {
  nlohmann::json body = ProblemBody("about:blank", status, std::move(title), std::move(detail));
  return WithBody(status, Dump(body), "application/problem+json");
}

Response Response::Problem(const Status& status) {
  // An OK status has no problem to report; answering 500 makes the caller's mistake visible.
  StatusCode code = status.ok() ? StatusCode::kInternal : status.code();
  int http_status = HttpStatusFor(code);
  std::string type = std::string("urn:medulla:problem:") + StatusCodeName(code);
  nlohmann::json body =
      ProblemBody(std::move(type), http_status, ProblemTitle(code), status.message());
  return WithBody(http_status, Dump(body), "application/problem+json");
}

}  // namespace medulla::http
