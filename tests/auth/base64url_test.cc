#include <gtest/gtest.h>

#include "auth/jwt.h"

namespace medulla::auth {
namespace {

TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlSafeAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
  }
  for (size_t length = 0; length <= bytes.size(); length += 37) {
    std::string slice = bytes.substr(0, length);
    Result<std::string> decoded = Base64UrlDecode(Base64UrlEncode(slice));
    ASSERT_TRUE(decoded.ok()) << length;
    EXPECT_EQ(*decoded, slice);
  }
}

TEST(Base64Url, RefusesStandardAlphabetAndPadding) {
  EXPECT_FALSE(Base64UrlDecode("+/8").ok());
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());
  EXPECT_FALSE(Base64UrlDecode("Zm 9v").ok());
}

TEST(Base64Url, RefusesImpossibleLengthAndStrayBits) {
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").ok());
  // "Zh" decodes to "f" with four non-zero leftover bits: a second spelling of "Zg".
  Result<std::string> stray = Base64UrlDecode("Zh");
  ASSERT_FALSE(stray.ok());
  EXPECT_EQ(stray.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace medulla::auth
