#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/core/demangle.hpp>
#include <mutex>
#include <optional>
#include <thread>

#include "common/log.h"
#include "http/url.h"

namespace medulla::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace wire = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

// After a 413 the client may still be sending its body; reading and discarding some of it
// before closing keeps the kernel from resetting the connection before the client has read
// the answer. Past these bounds the connection is closed regardless.
constexpr size_t kLingerMaxBytes = 1024 * 1024;
constexpr std::chrono::seconds kLingerTimeout{2};

// What every session of one server shares; outlives all sessions.
struct Serving {
  Router router;
  ServerOptions options;
  RequestObserver observer;
};

bool IsParseError(const beast::error_code& error) {
  return error.category() == wire::make_error_code(wire::error::bad_target).category();
}

// Fills path and query from the target; false when the target is not an origin-form path
// or carries a malformed escape.
bool ParseTarget(Request& request) {
  if (!request.target.starts_with('/'))
    return false;

  size_t question = request.target.find('?');
  Result<std::string> path = PercentDecode(request.target.substr(0, question), false);
  if (!path.ok())
    return false;

  std::string_view query;
  if (question != std::string::npos)
    query = std::string_view(request.target).substr(question + 1);
  auto parameters = ParseQuery(query);
  if (!parameters.ok())
    return false;

  request.path = std::move(path).value();
  request.query = std::move(parameters).value();
  return true;
}

// Copies what the parser holds: for a failed parse that may be only part of the head.
Request ToRequest(const wire::request<wire::string_body>& message, const std::string& remote) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
    if (!inserted)
      it->second += ", " + std::string(field.value());
  }
  request.body = message.body();
  request.remote_address = remote;
  return request;
}

// Answers without a body where HTTP forbids one, so that Beast frames it correctly.
bool StatusForbidsBody(int status) {
  return status < 200 || status == 204 || status == 304;
}

bool IsFramingHeader(const std::string& name) {
  static const Headers kFraming = {
      {"Content-Length", ""}, {"Transfer-Encoding", ""}, {"Connection", ""}};
  return kFraming.contains(name);
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Serving& serving)
      : stream_(std::move(socket)), serving_(serving) {
    beast::error_code error;
    tcp::endpoint remote = stream_.socket().remote_endpoint(error);
    if (!error)
      remote_address_ = remote.address().to_string();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }

  // Closes the socket. REQUIRES: no thread is running the event loop.
  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(serving_.options.max_body_bytes);
    stream_.expires_after(serving_.options.read_timeout);
    wire::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    started_ = std::chrono::steady_clock::now();
    if (error == wire::error::body_limit) {
      request_ = ToRequest(parser_->get(), remote_address_);
      Answer(Response::Problem(413, "Payload too large", "the request body exceeds the limit"),
             false, true);
      return;
    }
    if (error && IsParseError(error) && parser_->got_some()) {
      request_ = ToRequest(parser_->get(), remote_address_);
      Answer(Response::Problem(400, "Invalid request", "the request is not valid HTTP/1.1"), false,
             false);
      return;
    }
    if (error) {
      ShutdownSend();
      return;
    }

    request_ = ToRequest(parser_->get(), remote_address_);
    bool keep_alive = parser_->get().keep_alive();
    if (!ParseTarget(request_)) {
      Answer(Response::Problem(400, "Invalid request", "the request target is malformed"),
             keep_alive, false);
      return;
    }
    Answer(serving_.router.Dispatch(request_), keep_alive, false);
  }

  void Answer(Response response, bool keep_alive, bool linger) {
    response_ = std::move(response);
    if (response_.status < 100 || response_.status > 599) {
      log::Error("http", "response.bad_status", {{"status", response_.status}});
      response_ = Response::Problem(500, "Internal error", "the server built an invalid reply");
    }
    if (!response_.headers.contains("Content-Type")) {
      response_.headers["Content-Type"] = "application/json";
    }
    if (StatusForbidsBody(response_.status))
      response_.body.clear();

    wire_response_ = {};
    wire_response_.result(static_cast<unsigned>(response_.status));
    wire_response_.version(parser_->get().version() == 10 ? 10 : 11);
    for (const auto& [name, value] : response_.headers) {
      if (!IsFramingHeader(name))
        wire_response_.set(name, value);
    }
    wire_response_.set(wire::field::server, "medulla");
    wire_response_.body() = response_.body;
    wire_response_.keep_alive(keep_alive);
    wire_response_.prepare_payload();

    // Observed before writing, so that a client holding the answer knows it was counted.
    Observe();
    stream_.expires_after(serving_.options.read_timeout);
    wire::async_write(
        stream_, wire_response_,
        [self = shared_from_this(), keep_alive, linger](beast::error_code error, size_t) {
          self->OnWrite(error, keep_alive, linger);
        });
  }

  void OnWrite(beast::error_code error, bool keep_alive, bool linger) {
    if (error)
      return;
    if (linger) {
      ShutdownSend();
      stream_.expires_after(kLingerTimeout);
      Discard();
      return;
    }
    if (!keep_alive) {
      ShutdownSend();
      return;
    }
    ReadRequest();
  }

  void Observe() {
    if (!serving_.observer)
      return;

    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started_;
    try {
      serving_.observer(request_, response_, elapsed.count());
    } catch (...) {
      log::Error("http", "observer.failed", {{"status", response_.status}});
    }
  }

  void Discard() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code error, size_t n) {
                              self->discarded_ += n;
                              if (error || self->discarded_ > kLingerMaxBytes)
                                return;
                              self->Discard();
                            });
  }

  void ShutdownSend() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  const Serving& serving_;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  std::optional<wire::request_parser<wire::string_body>> parser_;
  wire::response<wire::string_body> wire_response_;
  Request request_;
  Response response_;
  SteadyTime started_;
  std::array<char, 16 * 1024> discard_{};
  size_t discarded_ = 0;
};

}  // namespace

struct Server::Impl {
  Impl(Router router, ServerOptions options, RequestObserver observer)
      : serving{std::move(router), std::move(options), std::move(observer)} {}

  ~Impl() {
    Stop();
    // Destroying the loop destroys the handlers it still holds, and with them the sessions,
    // while `serving` is alive.
    accept_retry.reset();
    acceptor.reset();
    io.reset();
  }

  Status Start();
  void Stop();
  void Accept();
  void OnAccept(beast::error_code error, tcp::socket socket);
  void RunLoop();
  void Track(const std::shared_ptr<Session>& session);

  Serving serving;
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::vector<std::thread> threads;
  std::atomic<uint16_t> port{0};
  std::atomic<uint64_t> accepted{0};
  bool started = false;
  bool stopped = false;

  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<Session>> sessions;  // guarded by sessions_mutex
};

Status Server::Impl::Start() {
  if (started)
    return FailedPrecondition("the server was already started");
  started = true;

  beast::error_code error;
  asio::ip::address address = asio::ip::make_address(serving.options.address, error);
  if (error)
    return InvalidArgument("listen address is not an IP address");
  tcp::endpoint endpoint(address, serving.options.port);
  std::string where = serving.options.address + ":" + std::to_string(serving.options.port);

  acceptor.emplace(*io);
  acceptor->open(endpoint.protocol(), error);
  if (!error)
    acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error)
    acceptor->bind(endpoint, error);
  if (!error)
    acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error)
    return Unavailable("cannot listen on " + where + ": " + error.message());
  port = acceptor->local_endpoint().port();

  accept_retry.emplace(*io);
  Accept();
  int thread_count = std::max(1, serving.options.threads);
  for (int i = 0; i < thread_count; ++i)
    threads.emplace_back([this] { RunLoop(); });

  log::Info(
      "http", "server.started",
      {{"address", serving.options.address}, {"port", port.load()}, {"threads", thread_count}});
  return Status::Ok();
}

void Server::Impl::Stop() {
  if (stopped)
    return;
  stopped = true;
  if (threads.empty())
    return;

  io->stop();
  for (std::thread& thread : threads)
    thread.join();
  threads.clear();

  // No thread runs the loop any more, so sockets may be closed from here.
  beast::error_code ignored;
  acceptor->close(ignored);
  std::lock_guard<std::mutex> lock(sessions_mutex);
  for (const std::weak_ptr<Session>& weak : sessions) {
    if (std::shared_ptr<Session> session = weak.lock())
      session->Close();
  }
  sessions.clear();
  log::Info("http", "server.stopped", {{"port", port.load()}});
}

void Server::Impl::Accept() {
  acceptor->async_accept(
      asio::make_strand(*io),
      [this](beast::error_code error, tcp::socket socket) { OnAccept(error, std::move(socket)); });
}

void Server::Impl::OnAccept(beast::error_code error, tcp::socket socket) {
  if (error == asio::error::operation_aborted)
    return;
  if (error) {
    // Out of descriptors and the like: pause rather than spin on the failing accept.
    log::Warn("http", "accept.failed", {{"error", error.message()}});
    accept_retry->expires_after(std::chrono::milliseconds(100));
    accept_retry->async_wait([this](beast::error_code wait_error) {
      if (!wait_error)
        Accept();
    });
    return;
  }

  accepted.fetch_add(1);
  auto session = std::make_shared<Session>(std::move(socket), serving);
  Track(session);
  session->Start();
  Accept();
}

void Server::Impl::Track(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(sessions_mutex);
  std::erase_if(sessions, [](const std::weak_ptr<Session>& weak) { return weak.expired(); });
  sessions.push_back(session);
}

void Server::Impl::RunLoop() {
  // Handlers and observers are wrapped already; this keeps a surprise from ending a thread.
  while (true) {
    try {
      io->run();
      return;
    } catch (const std::exception& e) {
      log::Error("http", "loop.failed", {{"exception", boost::core::demangle(typeid(e).name())}});
    }
  }
}

Server::Server(Router router, ServerOptions options, RequestObserver observer)
    : impl_(std::make_unique<Impl>(std::move(router), std::move(options), std::move(observer))) {}

Server::~Server() = default;

Status Server::Start() {
  return impl_->Start();
}

void Server::Stop() {
  impl_->Stop();
}

uint16_t Server::port() const {
  return impl_->port.load();
}

uint64_t Server::accepted_connections() const {
  return impl_->accepted.load();
}

}  // namespace medulla::http
