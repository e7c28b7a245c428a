// An asynchronous HTTP/1.1 server on Boost.Beast. Routes map a method and a path pattern
// to a handler; handlers run on the server's thread pool and must not block for long.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/message.h"

namespace medulla::http {

using Handler = std::function<Response(const Request&, const PathParams&)>;

// Matches "/v1/tasks/{id}/events" style patterns against the decoded request path, segment by
// segment; a {name} segment captures exactly one non-empty segment. When several routes match,
// the one with a literal segment at the first position where they differ wins ("/v1/tasks/stats"
// beats "/v1/tasks/{id}"); among equals the first added wins. A trailing slash is a distinct
// path. Since the path is decoded before matching, "%2F" splits a segment.
// Add() is not thread-safe; Dispatch() is, once routes are added.
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);

  // Returns the handler's response, a 404 problem for an unknown path, or a 405 problem
  // (with Allow) for a known path and another method. A handler that throws yields a 500
  // problem that names no detail of the exception.
  Response Dispatch(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };

  // Returns whether `route` matches `path_segments`, filling `params` on a match.
  static bool Matches(const Route& route, const std::vector<std::string>& path_segments,
                      PathParams& params);
  static Response Invoke(const Route& route, const Request& request, const PathParams& params);

  std::vector<Route> routes_;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see Server::port()
  int threads = 2;
  size_t max_body_bytes = 4 * 1024 * 1024;  // a larger request body is answered with 413
  // How long a connection may take to deliver one whole request, and how long an idle
  // keep-alive connection is held, before the server closes it.
  std::chrono::milliseconds read_timeout{30000};
};

// Observes every answered request, for metrics and access logs: called once per response, on
// a server thread, just before the response is written, with the seconds from the end of
// reading the request until the response was ready (writing time is not included). It must
// be thread-safe. A request that could not be parsed is reported with what was read of it.
using RequestObserver = std::function<void(const Request&, const Response&, double seconds)>;

// Serves HTTP/1.1 with keep-alive on `options.threads` threads sharing one event loop. Every
// response carries Content-Length; Content-Type defaults to application/json. A request that
// cannot be parsed is answered with a 400 problem, a body over the limit with a 413 problem,
// and both close the connection.
// Start(), Stop() and the destructor are for the owning thread; they must not be called from a
// handler or the observer (Stop() joins the threads those run on). port() and
// accepted_connections() are thread-safe.
class Server {
 public:
  Server(Router router, ServerOptions options, RequestObserver observer = nullptr);
  ~Server();  // stops the server

  // Binds and starts serving on background threads. Fails with kUnavailable when the address
  // cannot be bound, and with kFailedPrecondition when called a second time.
  Status Start();

  // Stops accepting, closes connections and joins the threads. Handlers already running finish
  // first; their responses are not written. Idempotent.
  void Stop();

  // The bound port, valid after Start().
  uint16_t port() const;

  // How many connections were accepted since Start(), for metrics and keep-alive checks.
  uint64_t accepted_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medulla::http
