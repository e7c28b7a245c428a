#include "auth/jwks_cache.h"

#include <algorithm>
#include <cctype>

#include "common/log.h"

namespace medulla::auth {
namespace {

// Key sets are a few KiB; a much larger answer is refused rather than parsed.
constexpr size_t kMaximumDocumentBytes = size_t{256} * 1024;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Plain http is accepted only where no one can sit between Medulla and the issuer.
bool IsAcceptableUrl(std::string_view url) {
  if (StartsWith(url, "https://") && url.size() > 8) {
    return true;
  }
  for (std::string_view host : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    if (StartsWith(url, host) &&
        (url.size() == host.size() || url[host.size()] == ':' || url[host.size()] == '/')) {
      return true;
    }
  }
  return false;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Reads max-age from a Cache-Control value; no-store and no-cache mean "do not reuse".
std::optional<std::chrono::seconds> MaxAge(const std::string& cache_control) {
  std::string value = Lower(cache_control);
  if (value.find("no-store") != std::string::npos || value.find("no-cache") != std::string::npos) {
    return std::chrono::seconds(0);
  }
  size_t at = value.find("max-age=");
  if (at == std::string::npos) {
    return std::nullopt;
  }

  size_t digits = at + 8;
  int64_t seconds = 0;
  size_t i = digits;
  for (; i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])); ++i) {
    seconds = std::min<int64_t>(seconds * 10 + (value[i] - '0'), int64_t{1} << 40);
  }
  if (i == digits) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

Result<nlohmann::json> ParseDocument(const http::ClientResponse& response) {
  if (response.status != 200) {
    return Unavailable("the issuer answered with HTTP " + std::to_string(response.status));
  }
  if (response.body.size() > kMaximumDocumentBytes) {
    return Unavailable("the issuer's document is larger than accepted");
  }
  nlohmann::json document =
      nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    return Unavailable("the issuer's document is not a JSON object");
  }
  return document;
}

std::string Text(const nlohmann::json& document, const char* name) {
  auto found = document.find(name);
  return found != document.end() && found->is_string() ? found->get<std::string>() : "";
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace

Result<std::unique_ptr<JwksCache>> JwksCache::Create(std::string issuer, std::string jwks_uri,
                                                     http::Client& client, const Clock& clock,
                                                     JwksCacheOptions options) {
  if (issuer.empty() || !IsAcceptableUrl(issuer)) {
    return InvalidArgument("the issuer must be an https URL (http only on loopback)");
  }
  if (!jwks_uri.empty() && !IsAcceptableUrl(jwks_uri)) {
    return InvalidArgument("the jwks_uri must be an https URL (http only on loopback)");
  }
  if (options.refresh_interval <= std::chrono::seconds(0) ||
      options.default_max_age < std::chrono::seconds(0) ||
      options.longest_max_age < options.refresh_interval) {
    return InvalidArgument("the key cache timings are inconsistent");
  }
  return std::unique_ptr<JwksCache>(
      new JwksCache(std::move(issuer), std::move(jwks_uri), client, clock, options));
}

JwksCache::JwksCache(std::string issuer, std::string jwks_uri, http::Client& client,
                     const Clock& clock, JwksCacheOptions options)
    : issuer_(std::move(issuer)),
      configured_jwks_uri_(std::move(jwks_uri)),
      client_(client),
      clock_(clock),
      options_(options) {}

Result<KeySet> JwksCache::KeysFor(std::string_view kid) {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (std::optional<KeySet> usable = UsableLocked(kid, clock_.Now())) {
      return *std::move(usable);
    }
  }

  // Whoever held the fetch lock before us may have fetched what we need.
  std::lock_guard<std::mutex> fetching(fetch_mutex_);
  TimePoint now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (std::optional<KeySet> usable = UsableLocked(kid, now)) {
      return *std::move(usable);
    }
  }
  if (!ClaimFetch(now)) {
    return CurrentOr(Unavailable("the issuer's keys are not available yet"));
  }

  Result<Fetched> fetched = Fetch();
  if (!fetched.ok()) {
    log::Warn("auth", "auth.jwks.fetch_failed",
              {{"issuer", issuer_}, {"code", StatusCodeName(fetched.status().code())}});
    return CurrentOr(Unavailable("the issuer's keys could not be fetched"));
  }
  Store(std::move(fetched).value(), now);
  return CurrentOr(Internal("a stored key set vanished"));
}

uint64_t JwksCache::fetch_attempts() const {
  std::lock_guard<std::mutex> lock(state_mutex_);
  return attempts_;
}

std::optional<KeySet> JwksCache::UsableLocked(std::string_view kid, TimePoint now) const {
  if (keys_ && now < fresh_until_ && keys_->Contains(kid)) {
    return keys_;
  }
  return std::nullopt;
}

bool JwksCache::ClaimFetch(TimePoint now) {
  std::lock_guard<std::mutex> lock(state_mutex_);
  if (last_attempt_ && now < *last_attempt_ + options_.refresh_interval) {
    return false;
  }
  last_attempt_ = now;
  ++attempts_;
  return true;
}

Result<KeySet> JwksCache::CurrentOr(Status error) const {
  std::lock_guard<std::mutex> lock(state_mutex_);
  if (!keys_) {
    return error;
  }
  return *keys_;
}

void JwksCache::Store(Fetched fetched, TimePoint now) {
  std::chrono::seconds fresh_for =
      std::clamp(fetched.max_age, options_.refresh_interval, options_.longest_max_age);

  std::lock_guard<std::mutex> lock(state_mutex_);
  keys_ = std::move(fetched.keys);
  fresh_until_ = now + fresh_for;
  log::Info("auth", "auth.jwks.fetched",
            {{"issuer", issuer_}, {"kids", keys_->Kids()}, {"fresh_for_s", fresh_for.count()}});
}

Result<std::string> JwksCache::KeySetUrl() {
  if (!configured_jwks_uri_.empty()) {
    return configured_jwks_uri_;
  }
  if (!discovered_jwks_uri_.empty()) {
    return discovered_jwks_uri_;
  }

  std::string url = WithoutTrailingSlash(issuer_) + "/.well-known/openid-configuration";
  ASSIGN_OR_RETURN(http::ClientResponse response, Get(url));
  ASSIGN_OR_RETURN(nlohmann::json document, ParseDocument(response));

  // OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was
  // fetched for, or its keys could belong to someone else.
  if (Text(document, "issuer") != issuer_) {
    return Unavailable("the discovery document names another issuer");
  }
  std::string jwks_uri = Text(document, "jwks_uri");
  if (!IsAcceptableUrl(jwks_uri)) {
    return Unavailable("the discovery document has no acceptable jwks_uri");
  }
  discovered_jwks_uri_ = jwks_uri;
  return jwks_uri;
}

Result<JwksCache::Fetched> JwksCache::Fetch() {
  ASSIGN_OR_RETURN(std::string url, KeySetUrl());
  ASSIGN_OR_RETURN(http::ClientResponse response, Get(url));
  ASSIGN_OR_RETURN(nlohmann::json document, ParseDocument(response));

  Result<KeySet> keys = KeySet::FromJwks(document);
  if (!keys.ok()) {
    return Unavailable("the issuer's key set holds no usable key");
  }
  std::optional<std::chrono::seconds> max_age = MaxAge(response.Header("Cache-Control"));
  return Fetched{std::move(keys).value(), max_age.value_or(options_.default_max_age)};
}

Result<http::ClientResponse> JwksCache::Get(const std::string& url) {
  http::ClientRequest request;
  request.method = "GET";
  request.url = url;
  request.headers["Accept"] = "application/json";
  request.timeout = options_.fetch_timeout;

  // Library exceptions stop here, at the edge of the auth part.
  try {
    return client_.Send(request);
  } catch (const std::exception&) {
    return Unavailable("the issuer could not be reached");
  }
}

}  // namespace medulla::auth
