// An OIDC issuer's key endpoints on 127.0.0.1 (port 0), for JwksCache and MultiIssuerVerifier
// tests. Each realm is one issuer, "http://127.0.0.1:<port>/<realm>", serving
// /<realm>/.well-known/openid-configuration and /<realm>/jwks. Tests swap keys, make the key
// endpoint fail and count hits. Thread-safe: handlers run on the server's threads.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "http/server.h"

namespace medulla::auth::testing {

class LocalJwksServer {
 public:
  LocalJwksServer() {
    http::Router router;
    router.Add("GET", "/{realm}/.well-known/openid-configuration",
               [this](const http::Request&, const http::PathParams& params) {
                 return Discovery(params.at("realm"));
               });
    router.Add("GET", "/{realm}/jwks",
               [this](const http::Request&, const http::PathParams& params) {
                 return Keys(params.at("realm"));
               });
    server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{});
    Status started = server_->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
  }

  ~LocalJwksServer() { server_->Stop(); }

  std::string IssuerUrl(const std::string& realm) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/" + realm;
  }
  std::string JwksUrl(const std::string& realm) const { return IssuerUrl(realm) + "/jwks"; }

  // Serves `jwks` for `realm` from now on, with an optional Cache-Control header.
  void Publish(const std::string& realm, nlohmann::json jwks, std::string cache_control = "") {
    std::lock_guard<std::mutex> lock(mutex_);
    Realm& entry = realms_[realm];
    entry.jwks = std::move(jwks);
    entry.cache_control = std::move(cache_control);
  }

  // Makes the key endpoint answer 500 (true) or serve keys again (false).
  void FailKeys(const std::string& realm, bool failing) {
    std::lock_guard<std::mutex> lock(mutex_);
    realms_[realm].failing = failing;
  }

  // Makes discovery name `issuer` instead of the realm's own URL.
  void ClaimIssuer(const std::string& realm, std::string issuer) {
    std::lock_guard<std::mutex> lock(mutex_);
    realms_[realm].claimed_issuer = std::move(issuer);
  }

  int key_hits(const std::string& realm) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = realms_.find(realm);
    return found == realms_.end() ? 0 : found->second.key_hits;
  }

  int discovery_hits(const std::string& realm) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = realms_.find(realm);
    return found == realms_.end() ? 0 : found->second.discovery_hits;
  }

 private:
  struct Realm {
    nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
    std::string cache_control;
    std::string claimed_issuer;
    bool failing = false;
    int key_hits = 0;
    int discovery_hits = 0;
  };

  http::Response Discovery(const std::string& realm) {
    std::lock_guard<std::mutex> lock(mutex_);
    Realm& entry = realms_[realm];
    ++entry.discovery_hits;
    std::string issuer = entry.claimed_issuer.empty() ? IssuerUrl(realm) : entry.claimed_issuer;
    return http::Response::Json(200, {{"issuer", issuer}, {"jwks_uri", JwksUrl(realm)}});
  }

  http::Response Keys(const std::string& realm) {
    std::lock_guard<std::mutex> lock(mutex_);
    Realm& entry = realms_[realm];
    ++entry.key_hits;
    if (entry.failing) {
      return http::Response::Json(500, {{"error", "down"}});
    }
    http::Response response = http::Response::Json(200, entry.jwks);
    if (!entry.cache_control.empty()) {
      response.headers["Cache-Control"] = entry.cache_control;
    }
    return response;
  }

  mutable std::mutex mutex_;
  std::map<std::string, Realm> realms_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace medulla::auth::testing
