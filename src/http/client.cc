#include "http/client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include "common/log.h"
#include "http/url.h"

namespace medulla::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
namespace wire = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Bundles from an EHR can be large, but an endless body must not exhaust memory.
constexpr uint64_t kMaxResponseBodyBytes = 256 * 1024 * 1024;
constexpr size_t kMaxIdlePerHost = 8;
// Servers drop idle connections on their own schedule; Medulla's drops them after 30 s.
constexpr std::chrono::seconds kMaxIdleAge{20};

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

// One connection with its own event loop, driven by whichever thread holds it. Owned by one
// Send() at a time, or by the idle pool.
class Connection {
 public:
  explicit Connection(const Url& url) : url_(url), tcp_(io_) {}

  Status Open(ssl::context* tls, Clock::time_point deadline);
  // Writes `request`; reports through `answered` whether any response bytes arrived, which
  // decides whether a failure on a reused connection may be retried.
  // `url` names this connection's host; its target may differ from the one that opened it.
  Result<ClientResponse> Exchange(const ClientRequest& request, const Url& url,
                                  Clock::time_point deadline, bool& answered);

  // Whether the last response allows another request on this connection.
  bool reusable() const { return reusable_; }

  Clock::time_point idle_since;

 private:
  // Runs the loop until the operation started by `start` calls its completion.
  template <typename Start>
  beast::error_code Run(Start start);

  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : tcp_; }
  Status Failure(const beast::error_code& error, const char* step) const;

  asio::io_context io_;
  Url url_;
  beast::tcp_stream tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bool reusable_ = false;
};

template <typename Start>
beast::error_code Connection::Run(Start start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code error, auto&&...) { result = error; });
  io_.restart();
  io_.run();
  return result;
}

Status Connection::Failure(const beast::error_code& error, const char* step) const {
  std::string where = url_.Authority();
  if (error == beast::error::timeout) {
    return DeadlineExceeded(std::string("timed out ") + step + " " + where);
  }
  if (error == asio::error::connection_refused) {
    return Unavailable("connection refused by " + where);
  }
  if (error == asio::error::connection_reset || error == asio::error::eof ||
      error == wire::error::end_of_stream || error == asio::error::broken_pipe) {
    return Unavailable("connection closed by " + where + " while " + step);
  }
  return Unavailable(std::string("failed ") + step + " " + where + ": " + error.message());
}

Status Connection::Open(ssl::context* tls, Clock::time_point deadline) {
  // Name resolution is not bounded by the deadline: the resolver cannot abandon a lookup in
  // progress. Medulla's endpoints are configured as IP addresses or local names, where the
  // lookup returns at once.
  tcp::resolver resolver(io_);
  tcp::resolver::results_type endpoints;
  beast::error_code error = Run([&](auto done) {
    resolver.async_resolve(url_.host, std::to_string(url_.port),
                           [&endpoints, done](beast::error_code e, auto results) mutable {
                             endpoints = std::move(results);
                             done(e);
                           });
  });
  if (error)
    return Unavailable("cannot resolve host " + url_.host + ": " + error.message());

  if (tls != nullptr)
    tls_.emplace(std::move(tcp_), *tls);
  Lowest().expires_after(Remaining(deadline));
  error = Run([&](auto done) { Lowest().async_connect(endpoints, done); });
  if (error)
    return Failure(error, "connecting to");
  if (!tls_)
    return Status::Ok();

  // SNI carries names only, never IP literals; either way the certificate must name the host
  // the URL named.
  beast::error_code not_an_address;
  asio::ip::make_address(url_.host, not_an_address);
  if (not_an_address && !SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str())) {
    return Internal("cannot set the TLS server name");
  }
  tls_->set_verify_mode(ssl::verify_peer);
  tls_->set_verify_callback(ssl::host_name_verification(url_.host));
  Lowest().expires_after(Remaining(deadline));
  error = Run([&](auto done) { tls_->async_handshake(ssl::stream_base::client, done); });
  if (error == beast::error::timeout)
    return Failure(error, "in the TLS handshake with");
  if (error)
    return Unavailable("TLS handshake with " + url_.Authority() + " failed: " + error.message());
  return Status::Ok();
}

wire::request<wire::string_body> ToWire(const ClientRequest& request, const Url& url) {
  wire::request<wire::string_body> message;
  message.method_string(request.method);
  message.target(url.target);
  message.version(11);
  for (const auto& [name, value] : request.headers)
    message.set(name, value);
  message.set(wire::field::host, url.HostHeader());
  message.set(wire::field::user_agent, "medulla");
  message.body() = request.body;
  message.content_length(request.body.size());
  message.keep_alive(true);
  return message;
}

Result<ClientResponse> Connection::Exchange(const ClientRequest& request, const Url& url,
                                            Clock::time_point deadline, bool& answered) {
  answered = false;
  wire::request<wire::string_body> message = ToWire(request, url);
  Lowest().expires_after(Remaining(deadline));
  beast::error_code error = Run([&](auto done) {
    if (tls_)
      return wire::async_write(*tls_, message, done);
    wire::async_write(tcp_, message, done);
  });
  if (error)
    return Failure(error, "sending to");

  wire::response_parser<wire::string_body> parser;
  parser.body_limit(kMaxResponseBodyBytes);
  if (request.method == "HEAD")
    parser.skip(true);
  Lowest().expires_after(Remaining(deadline));
  error = Run([&](auto done) {
    if (tls_)
      return wire::async_read(*tls_, buffer_, parser, done);
    wire::async_read(tcp_, buffer_, parser, done);
  });
  answered = parser.got_some();
  if (error)
    return Failure(error, "reading from");

  ClientResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    auto [it, inserted] = response.headers.emplace(name, std::string(field.value()));
    if (!inserted)
      it->second += ", " + std::string(field.value());
  }
  response.body = std::move(parser.get().body());
  reusable_ = parser.get().keep_alive();
  return response;
}

using PoolKey = std::tuple<bool, std::string, uint16_t>;

class PooledClient final : public Client {
 public:
  Result<ClientResponse> Send(const ClientRequest& request) override;

 private:
  Result<std::unique_ptr<Connection>> Connect(const Url& url, Clock::time_point deadline);
  Result<ssl::context*> TlsContext();
  std::unique_ptr<Connection> TakeIdle(const PoolKey& key);
  void ReturnIdle(const PoolKey& key, std::unique_ptr<Connection> connection);

  std::mutex mutex_;
  std::map<PoolKey, std::deque<std::unique_ptr<Connection>>> idle_;  // guarded by mutex_
  std::optional<ssl::context> tls_;                                  // guarded by mutex_
};

Result<ClientResponse> PooledClient::Send(const ClientRequest& request) {
  ASSIGN_OR_RETURN(Url url, ParseUrl(request.url));
  Clock::time_point deadline = Clock::now() + request.timeout;
  PoolKey key{url.tls, url.host, url.port};

  // A pooled connection the server has meanwhile closed fails before any answer arrives;
  // that one case is retried once on a fresh connection. A server that read the request and
  // then closed without answering looks the same, so such a request may reach it twice.
  std::unique_ptr<Connection> connection = TakeIdle(key);
  bool answered = false;
  if (connection != nullptr) {
    Result<ClientResponse> response = connection->Exchange(request, url, deadline, answered);
    if (response.ok() && connection->reusable())
      ReturnIdle(key, std::move(connection));
    bool retry =
        !response.ok() && !answered && response.status().code() == StatusCode::kUnavailable;
    if (!retry)
      return response;
  }

  ASSIGN_OR_RETURN(connection, Connect(url, deadline));
  Result<ClientResponse> response = connection->Exchange(request, url, deadline, answered);
  if (response.ok() && connection->reusable())
    ReturnIdle(key, std::move(connection));
  return response;
}

Result<std::unique_ptr<Connection>> PooledClient::Connect(const Url& url,
                                                          Clock::time_point deadline) {
  ssl::context* tls = nullptr;
  if (url.tls) {
    ASSIGN_OR_RETURN(tls, TlsContext());
  }

  auto connection = std::make_unique<Connection>(url);
  RETURN_IF_ERROR(connection->Open(tls, deadline));
  return connection;
}

Result<ssl::context*> PooledClient::TlsContext() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tls_)
    return &*tls_;

  try {
    ssl::context context(ssl::context::tls_client);
    context.set_default_verify_paths();
    context.set_verify_mode(ssl::verify_peer);
    tls_.emplace(std::move(context));
  } catch (const boost::system::system_error& e) {
    log::Error("http", "client.tls_setup_failed", {{"error", e.code().message()}});
    return Internal("cannot set up TLS: " + e.code().message());
  }
  return &*tls_;
}

std::unique_ptr<Connection> PooledClient::TakeIdle(const PoolKey& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = idle_.find(key);
  if (it == idle_.end())
    return nullptr;

  std::deque<std::unique_ptr<Connection>>& pool = it->second;
  while (!pool.empty()) {
    std::unique_ptr<Connection> connection = std::move(pool.back());
    pool.pop_back();
    if (Clock::now() - connection->idle_since < kMaxIdleAge)
      return connection;
  }
  return nullptr;
}

void PooledClient::ReturnIdle(const PoolKey& key, std::unique_ptr<Connection> connection) {
  connection->idle_since = Clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  std::deque<std::unique_ptr<Connection>>& pool = idle_[key];
  pool.push_back(std::move(connection));
  if (pool.size() > kMaxIdlePerHost)
    pool.pop_front();
}

}  // namespace

std::string ClientResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::unique_ptr<Client> MakeClient() {
  return std::make_unique<PooledClient>();
}

namespace {

// RFC 3986 unreserved characters, independent of the locale.
bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string UrlEncode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(value.size());
  for (char c : value) {
    if (IsUnreserved(c)) {
      encoded.push_back(c);
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    encoded.push_back('%');
    encoded.push_back(kHex[byte >> 4]);
    encoded.push_back(kHex[byte & 0x0F]);
  }
  return encoded;
}

}  // namespace medulla::http
