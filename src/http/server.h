// An asynchronous HTTP/1.1 server on Boost.Beast. Routes map a method and a path pattern
// to a handler; handlers run on the server's thread pool and must not block for long.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace medulla::http {

using Handler = std::function<Response(const Request&, const PathParams&)>;

// Matches "/v1/tasks/{id}/events" style patterns; a {name} segment captures one segment.
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
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see Server::port()
  int threads = 2;
  size_t max_body_bytes = 4 * 1024 * 1024;
};

// Observes every answered request, for metrics and access logs.
using RequestObserver =
    std::function<void(const Request&, const Response&, double seconds)>;

class Server {
 public:
  Server(Router router, ServerOptions options, RequestObserver observer = nullptr);
  ~Server();  // stops the server

  // Binds and starts serving on background threads.
  Status Start();

  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();

  // The bound port, valid after Start().
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medulla::http
