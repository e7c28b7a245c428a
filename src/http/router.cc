#include <algorithm>
#include <boost/core/demangle.hpp>
#include <exception>
#include <set>
#include <typeinfo>

#include "common/log.h"
#include "http/server.h"

namespace medulla::http {
namespace {

// "/v1/tasks/" -> {"v1", "tasks", ""}; "/" -> {""}.
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = path.starts_with('/') ? 1 : 0;
  while (true) {
    size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash - start));
    if (slash == std::string::npos)
      return segments;
    start = slash + 1;
  }
}

bool IsCapture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// True when `a` is more specific than `b`: a literal where `b` captures, at the first
// position where they differ.
bool MoreSpecific(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    bool a_literal = !IsCapture(a[i]);
    bool b_literal = !IsCapture(b[i]);
    if (a_literal != b_literal)
      return a_literal;
  }
  return false;
}

std::string JoinMethods(const std::set<std::string>& methods) {
  std::string joined;
  for (const std::string& method : methods) {
    if (!joined.empty())
      joined += ", ";
    joined += method;
  }
  return joined;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments = SplitPath(pattern);
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

bool Router::Matches(const Route& route, const std::vector<std::string>& path_segments,
                     PathParams& params) {
  if (route.segments.size() != path_segments.size())
    return false;

  PathParams captured;
  for (size_t i = 0; i < path_segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (!IsCapture(expected)) {
      if (expected != path_segments[i])
        return false;
      continue;
    }
    if (path_segments[i].empty())
      return false;
    captured[expected.substr(1, expected.size() - 2)] = path_segments[i];
  }

  params = std::move(captured);
  return true;
}

Response Router::Invoke(const Route& route, const Request& request, const PathParams& params) {
  // Exception text may echo request content, so neither the reply nor the log carries it.
  try {
    return route.handler(request, params);
  } catch (const nlohmann::json::exception& e) {
    log::Error("http", "handler.failed",
               {{"method", request.method}, {"route", route.pattern}, {"json_error", e.id}});
  } catch (const std::exception& e) {
    log::Error("http", "handler.failed",
               {{"method", request.method},
                {"route", route.pattern},
                {"exception", boost::core::demangle(typeid(e).name())}});
  } catch (...) {
    log::Error("http", "handler.failed",
               {{"method", request.method}, {"route", route.pattern}, {"exception", "unknown"}});
  }
  return Response::Problem(500, "Internal error", "the server failed to handle this request");
}

Response Router::Dispatch(const Request& request) const {
  std::vector<std::string> path_segments = SplitPath(request.path);

  const Route* chosen = nullptr;
  PathParams chosen_params;
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    PathParams params;
    if (!Matches(route, path_segments, params))
      continue;

    allowed.insert(route.method);
    if (route.method != request.method)
      continue;
    if (chosen != nullptr && !MoreSpecific(route.segments, chosen->segments))
      continue;
    chosen = &route;
    chosen_params = std::move(params);
  }

  if (chosen != nullptr)
    return Invoke(*chosen, request, chosen_params);
  if (allowed.empty())
    return Response::Problem(404, "Not found", "no resource at this path");

  Response response =
      Response::Problem(405, "Method not allowed", request.method + " is not allowed here");
  response.headers["Allow"] = JoinMethods(allowed);
  return response;
}

}  // namespace medulla::http
