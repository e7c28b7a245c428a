#include "auth/jwks_cache.h"

#include <gtest/gtest.h>

#include "auth/local_jwks_server.h"
#include "auth/test_issuer.h"

namespace medulla::auth {
namespace {

using std::chrono::seconds;
using testing::LocalJwksServer;
using testing::TestIssuer;

const TimePoint kStart = TimePoint(seconds(1'790'000'000));

class JwksCacheLocalJwksServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    first_ = new TestIssuer(TestIssuer::Ec("key-1"));
    second_ = new TestIssuer(TestIssuer::Rsa("key-2"));
  }
  static void TearDownTestSuite() {
    delete first_;
    delete second_;
  }

  void SetUp() override { server_.Publish("realm", first_->Jwks()); }

  std::unique_ptr<JwksCache> Cache(std::string jwks_uri = "") {
    Result<std::unique_ptr<JwksCache>> cache =
        JwksCache::Create(server_.IssuerUrl("realm"), std::move(jwks_uri), *client_, clock_);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    return cache.ok() ? std::move(cache).value() : nullptr;
  }

  // True when the cache hands out a set holding `kid` right now.
  static bool Knows(JwksCache& cache, const std::string& kid) {
    Result<KeySet> keys = cache.KeysFor(kid);
    return keys.ok() && keys->Contains(kid);
  }

  static inline TestIssuer* first_ = nullptr;
  static inline TestIssuer* second_ = nullptr;
  LocalJwksServer server_;
  std::unique_ptr<http::Client> client_ = http::MakeClient();
  ManualClock clock_{kStart};
};

TEST_F(JwksCacheLocalJwksServerTest, DiscoversTheKeySetAndFetchesIt) {
  std::unique_ptr<JwksCache> cache = Cache();

  EXPECT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.discovery_hits("realm"), 1);
  EXPECT_EQ(server_.key_hits("realm"), 1);
}

TEST_F(JwksCacheLocalJwksServerTest, ConfiguredJwksUriSkipsDiscovery) {
  std::unique_ptr<JwksCache> cache = Cache(server_.JwksUrl("realm"));

  EXPECT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.discovery_hits("realm"), 0);
  EXPECT_EQ(server_.key_hits("realm"), 1);
}

TEST_F(JwksCacheLocalJwksServerTest, FreshSetIsServedFromTheCache) {
  std::unique_ptr<JwksCache> cache = Cache();

  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(Knows(*cache, "key-1"));
    clock_.Advance(seconds(100));
  }

  EXPECT_EQ(server_.key_hits("realm"), 1);
  EXPECT_EQ(cache->fetch_attempts(), 1u);
}

TEST_F(JwksCacheLocalJwksServerTest, DefaultMaxAgeIsTenMinutes) {
  std::unique_ptr<JwksCache> cache = Cache();
  ASSERT_TRUE(Knows(*cache, "key-1"));

  clock_.Advance(seconds(599));
  ASSERT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.key_hits("realm"), 1);

  clock_.Advance(seconds(1));
  ASSERT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.key_hits("realm"), 2);
}

TEST_F(JwksCacheLocalJwksServerTest, CacheControlMaxAgeIsHonoured) {
  server_.Publish("realm", first_->Jwks(), "public, max-age=120");
  std::unique_ptr<JwksCache> cache = Cache();
  ASSERT_TRUE(Knows(*cache, "key-1"));

  clock_.Advance(seconds(119));
  ASSERT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.key_hits("realm"), 1);

  clock_.Advance(seconds(1));
  ASSERT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.key_hits("realm"), 2);
}

TEST_F(JwksCacheLocalJwksServerTest, NoStoreStillWaitsTheRefreshInterval) {
  server_.Publish("realm", first_->Jwks(), "no-store");
  std::unique_ptr<JwksCache> cache = Cache();
  ASSERT_TRUE(Knows(*cache, "key-1"));

  clock_.Advance(seconds(29));
  ASSERT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.key_hits("realm"), 1);

  clock_.Advance(seconds(1));
  ASSERT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.key_hits("realm"), 2);
}

TEST_F(JwksCacheLocalJwksServerTest, RotationPicksUpANewKidAndDropsARemovedOne) {
  std::unique_ptr<JwksCache> cache = Cache();
  ASSERT_TRUE(Knows(*cache, "key-1"));
  server_.Publish("realm", second_->Jwks());
  clock_.Advance(seconds(30));

  EXPECT_TRUE(Knows(*cache, "key-2"));
  EXPECT_EQ(server_.key_hits("realm"), 2);

  Result<KeySet> after = cache->KeysFor("key-1");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->Contains("key-1"));
}

TEST_F(JwksCacheLocalJwksServerTest, UnknownKidRefreshIsRateLimited) {
  std::unique_ptr<JwksCache> cache = Cache();
  ASSERT_TRUE(Knows(*cache, "key-1"));
  clock_.Advance(seconds(30));

  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(Knows(*cache, "forged-" + std::to_string(i)));
    clock_.Advance(seconds(1));
  }
  EXPECT_EQ(server_.key_hits("realm"), 2);

  clock_.Advance(seconds(10));
  EXPECT_FALSE(Knows(*cache, "forged-again"));
  EXPECT_EQ(server_.key_hits("realm"), 3);
  EXPECT_TRUE(Knows(*cache, "key-1"));
}

TEST_F(JwksCacheLocalJwksServerTest, NewKidWithinTheIntervalWaitsForIt) {
  std::unique_ptr<JwksCache> cache = Cache();
  ASSERT_TRUE(Knows(*cache, "key-1"));
  server_.Publish("realm", {{"keys", {first_->Jwk(), second_->Jwk()}}});

  clock_.Advance(seconds(10));
  EXPECT_FALSE(Knows(*cache, "key-2"));

  clock_.Advance(seconds(20));
  EXPECT_TRUE(Knows(*cache, "key-2"));
  EXPECT_TRUE(Knows(*cache, "key-1"));
}

TEST_F(JwksCacheLocalJwksServerTest, FailedRefreshKeepsTheLastGoodSet) {
  std::unique_ptr<JwksCache> cache = Cache();
  ASSERT_TRUE(Knows(*cache, "key-1"));
  server_.FailKeys("realm", true);

  clock_.Advance(seconds(601));
  EXPECT_TRUE(Knows(*cache, "key-1"));
  EXPECT_EQ(server_.key_hits("realm"), 2);

  server_.Publish("realm", second_->Jwks());
  server_.FailKeys("realm", false);
  clock_.Advance(seconds(30));
  EXPECT_TRUE(Knows(*cache, "key-2"));
  EXPECT_FALSE(Knows(*cache, "key-1"));
}

TEST_F(JwksCacheLocalJwksServerTest, NoSetEverFetchedIsUnavailable) {
  server_.FailKeys("realm", true);
  std::unique_ptr<JwksCache> cache = Cache();

  Result<KeySet> keys = cache->KeysFor("key-1");

  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), StatusCode::kUnavailable);
}

TEST_F(JwksCacheLocalJwksServerTest, DiscoveryNamingAnotherIssuerIsRefused) {
  server_.ClaimIssuer("realm", "https://idp.elsewhere.test");
  std::unique_ptr<JwksCache> cache = Cache();

  Result<KeySet> keys = cache->KeysFor("key-1");

  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server_.key_hits("realm"), 0);
}

TEST_F(JwksCacheLocalJwksServerTest, KeySetWithoutUsableKeysIsAFailedFetch) {
  server_.Publish("realm", {{"keys", {{{"kty", "oct"}, {"kid", "k"}, {"k", "c2VjcmV0"}}}}});
  std::unique_ptr<JwksCache> cache = Cache();

  Result<KeySet> keys = cache->KeysFor("k");

  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), StatusCode::kUnavailable);
}

TEST(JwksCacheCreate, RefusesPlainHttpOffLoopbackAndEmptyIssuers) {
  std::unique_ptr<http::Client> client = http::MakeClient();
  for (const auto& [issuer, jwks_uri] : std::vector<std::pair<std::string, std::string>>{
           {"", ""},
           {"http://idp.example.test", ""},
           {"http://127.0.0.1.example.test", ""},
           {"ftp://idp.example.test", ""},
           {"https://idp.example.test", "http://keys.example.test/jwks"}}) {
    Result<std::unique_ptr<JwksCache>> cache = JwksCache::Create(issuer, jwks_uri, *client);
    ASSERT_FALSE(cache.ok()) << issuer << " " << jwks_uri;
    EXPECT_EQ(cache.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(JwksCache::Create("https://idp.example.test", "", *client).ok());
  EXPECT_TRUE(JwksCache::Create("http://localhost:8080/realm", "", *client).ok());
}

}  // namespace
}  // namespace medulla::auth
